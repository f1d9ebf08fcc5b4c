"""The web page (``xltool serve``): a thin adapter over the library for browsers and add-ins.

Starlette + Jinja2 (autoescaped); every script and stylesheet ships in this package
(an intranet has no CDN). Routes call :mod:`xltool.web.service` only.
"""
