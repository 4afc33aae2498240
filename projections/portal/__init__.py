"""The partner center: server-rendered pages at `/portal/` over the read models (wired by `portal.app`)."""
