from meters.main import create_app
from meters.settings import Settings
from shared.serve import serve


def main() -> None:
    serve(create_app, Settings())


if __name__ == "__main__":
    main()
