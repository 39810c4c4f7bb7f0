"""Server-rendered pages in Bahasa Indonesia over the API's own functions: `web.pages.install(app)`."""
