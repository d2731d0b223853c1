-- One database per service (ARCHITECTURE §1: a service reads and writes only its own database), each owned by
-- its own role so a service cannot reach another's tables. Run once by the postgres image on an empty data
-- directory (/docker-entrypoint-initdb.d). Development passwords equal the role names: compose only.
-- The gateway is stateless and has no database.
CREATE ROLE accounts LOGIN PASSWORD 'accounts';
CREATE DATABASE accounts OWNER accounts;

CREATE ROLE cases LOGIN PASSWORD 'cases';
CREATE DATABASE cases OWNER cases;

CREATE ROLE meters LOGIN PASSWORD 'meters';
CREATE DATABASE meters OWNER meters;

CREATE ROLE notifications LOGIN PASSWORD 'notifications';
CREATE DATABASE notifications OWNER notifications;
