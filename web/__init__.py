"""The web console: server-rendered pages for proctors, staff and students under /app/."""
