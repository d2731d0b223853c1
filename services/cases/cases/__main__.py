from cases.main import create_app
from cases.settings import Settings
from shared.serve import serve


def main() -> None:
    serve(create_app, Settings())


if __name__ == "__main__":
    main()
