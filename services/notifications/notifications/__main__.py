from notifications.main import create_app
from notifications.settings import Settings
from shared.serve import serve


def main() -> None:
    serve(create_app, Settings())


if __name__ == "__main__":
    main()
