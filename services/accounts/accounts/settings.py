from pathlib import Path

from cryptography.hazmat.primitives import serialization

from shared.auth import generate_keypair, load_public_keys
from shared.config import VAR_DIR, ServiceSettings, is_development_file


class Settings(ServiceSettings):
    service_name: str = "accounts"
    port: int = 8001

    # The Ed25519 key that signs access tokens; its public half is served at /.well-known/jwks.json.
    jwt_private_key_file: str = str(VAR_DIR / "keys" / "jwt-private.pem")
    access_token_lifetime_seconds: int = 900
    refresh_token_lifetime_seconds: int = 12 * 3600
    # Demo data only: CRM contacts are created ready to log in with this password.
    demo_password: str = ""

    def development_defaults(self) -> list[str]:
        problems = super().development_defaults()
        if self.demo_password:
            problems.append("demo_password must not be set in production")
        if is_development_file(self.jwt_private_key_file):
            problems.append(
                "jwt_private_key_file is the development key under var/: set JWT_PRIVATE_KEY_FILE"
            )
        return problems

    @property
    def effective_demo_password(self) -> str:
        return self.demo_password if self.environment == "demo" else ""

    def private_key_pem(self) -> bytes:
        """The signing key; created in development, demo and test, required in production."""
        path = Path(self.jwt_private_key_file)
        if not path.exists():
            if self.environment == "production":
                raise RuntimeError(f"refusing to start in production without the signing key {path}")
            generate_keypair(path.parent)
            if path.name != "jwt-private.pem":
                (path.parent / "jwt-private.pem").rename(path)
        return path.read_bytes()

    def signing_public_pem(self) -> str:
        private_key = serialization.load_pem_private_key(self.private_key_pem(), password=None)
        return (
            private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def trust_own_signing_key(self) -> None:
        """Accounts verifies the tokens it issues: add its own public key to the configured ones (kept for
        rotation) so the verifier and the JWKS include it."""
        own = self.signing_public_pem()
        configured = self.public_keys_pem()
        if set(load_public_keys(own)) - set(load_public_keys(configured)):
            self.jwt_public_keys = (configured.strip() + "\n\n" + own).strip() + "\n"
