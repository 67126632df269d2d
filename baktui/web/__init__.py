"""baktui in a browser: the web server of ``baktui serve`` (:mod:`baktui.web.server`).

What the server and the app process it starts agree on, importable without the web server's
libraries (the app process reads it at its start: :func:`baktui.cli_serve.web_identity`).
"""

LOGIN_ENV = "BAKTUI_WEB_LOGIN"  # the signed-in login, set by the server in the app's environment
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"  # what textual-serve sets in TEXTUAL_DRIVER
