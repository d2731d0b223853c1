"""Infrastructure shared by the portal's services: configuration, database, bus, outbox/inbox,
authentication, errors, logging, health, i18n and the event contracts. No business logic lives here."""
