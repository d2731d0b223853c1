from prometheus_client import start_http_server

from gateway.main import create_app
from gateway.settings import Settings
from shared.serve import serve

if __name__ == "__main__":
    settings = Settings()
    if settings.metrics_port:
        # The gateway is public: its metrics are served for the scraper on a port of their own.
        start_http_server(settings.metrics_port, addr=settings.host)
    serve(create_app, settings)
