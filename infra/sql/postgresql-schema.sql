-- Vault cluster schema for PostgreSQL (13 or later).
--
-- One database holds everything the silos share: Orleans membership, grain state and
-- reminders (through the Orleans ADO.NET providers, which look their SQL up by key in
-- orleansquery), plus the repository's configuration and password-wrapped master key.
--
-- The script is idempotent: tables and indexes are created only when missing, functions
-- are replaced, query rows are upserted. Apply it with infra/scripts/apply-schema.sh or by
-- starting a silo with --apply-schema; silos take pg_advisory_lock(7406001) around the apply
-- so several can do it at once. Bump vault_schema.version (and VaultSchema.Version in the
-- silo) whenever a change here must be applied before new silos start.
--
-- Orleans' SiloStatus values used below: 3 = Active, 6 = Dead.

SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS vault_schema
(
    component  text        PRIMARY KEY,
    version    integer     NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- The repository every node shares: same chunk ids, same pack keys. key_file is the master
-- key wrapped under the repository password (Argon2id + AES-GCM), never the raw key.
CREATE TABLE IF NOT EXISTS vault_repository
(
    singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    repository_id text        NOT NULL,
    config_json   text        NOT NULL,
    key_file      bytea       NOT NULL,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Query key → SQL text, read by the Orleans ADO.NET providers at start.
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

------------------------------------------------------------------------------------------
-- Membership (Microsoft.Orleans.Clustering.AdoNet)
------------------------------------------------------------------------------------------

-- One row per cluster id: its table version, bumped by every membership change.
CREATE TABLE IF NOT EXISTS vault_membership_version
(
    deployment_id varchar(150) PRIMARY KEY,
    version       integer      NOT NULL DEFAULT 0,
    changed_at    timestamptz  NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS vault_membership
(
    deployment_id  varchar(150)  NOT NULL REFERENCES vault_membership_version (deployment_id),
    address        varchar(45)   NOT NULL,
    port           integer       NOT NULL,
    generation     integer       NOT NULL,
    silo_name      varchar(150)  NOT NULL,
    host_name      varchar(150)  NOT NULL,
    status         integer       NOT NULL,
    proxy_port     integer,
    suspect_times  varchar(8000),
    start_time     timestamptz   NOT NULL,
    i_am_alive     timestamptz   NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

CREATE INDEX IF NOT EXISTS vault_membership_by_name ON vault_membership (deployment_id, silo_name);

-- Adds a silo row and bumps the table version in one step; 1 when both happened, else 0
-- (someone changed the table since the caller read version p_version, or the row exists).
CREATE OR REPLACE FUNCTION vault_membership_insert(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer,
    p_silo_name varchar, p_host_name varchar, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive timestamptz, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        UPDATE vault_membership_version
           SET version = version + 1, changed_at = now()
         WHERE deployment_id = p_deployment AND version = p_version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stale membership version' USING ERRCODE = 'VLT01';
        END IF;

        INSERT INTO vault_membership (deployment_id, address, port, generation, silo_name, host_name,
                                      status, proxy_port, start_time, i_am_alive)
        VALUES (p_deployment, p_address, p_port, p_generation, p_silo_name, p_host_name,
                p_status, p_proxy_port, p_start_time, p_i_am_alive)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'silo row exists' USING ERRCODE = 'VLT01';
        END IF;
        RETURN 1;
    EXCEPTION WHEN SQLSTATE 'VLT01' THEN
        RETURN 0; -- the block's changes are rolled back
    END;
END
$fn$;

-- Updates a silo row and bumps the table version in one step; 1 when both happened, else 0.
CREATE OR REPLACE FUNCTION vault_membership_update(
    p_deployment varchar, p_address varchar, p_port integer, p_generation integer,
    p_status integer, p_suspect_times varchar, p_i_am_alive timestamptz, p_version integer)
RETURNS integer LANGUAGE plpgsql AS $fn$
BEGIN
    BEGIN
        UPDATE vault_membership_version
           SET version = version + 1, changed_at = now()
         WHERE deployment_id = p_deployment AND version = p_version;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stale membership version' USING ERRCODE = 'VLT01';
        END IF;

        UPDATE vault_membership
           SET status = p_status, suspect_times = p_suspect_times, i_am_alive = p_i_am_alive
         WHERE deployment_id = p_deployment AND address = p_address
           AND port = p_port AND generation = p_generation;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such silo row' USING ERRCODE = 'VLT01';
        END IF;
        RETURN 1;
    EXCEPTION WHEN SQLSTATE 'VLT01' THEN
        RETURN 0;
    END;
END
$fn$;

------------------------------------------------------------------------------------------
-- Grain state (Microsoft.Orleans.Persistence.AdoNet)
------------------------------------------------------------------------------------------

-- A grain's state under optimistic concurrency: version is the ETag. The key extension is
-- stored as '' when absent so that the whole identity can be a primary key.
CREATE TABLE IF NOT EXISTS vault_grain_state
(
    service_id     varchar(150) NOT NULL,
    grain_type     varchar(512) NOT NULL,
    grain_n0       bigint       NOT NULL,
    grain_n1       bigint       NOT NULL,
    grain_key_ext  varchar(512) NOT NULL,
    grain_hash     integer      NOT NULL,
    type_hash      integer      NOT NULL,
    payload        bytea,
    version        integer      NOT NULL,
    modified_at    timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_n0, grain_n1, grain_key_ext)
);

-- Writes a state. p_version NULL: first write, succeeds only if no row exists. Otherwise
-- succeeds only if the stored version is p_version. Returns the new version, or p_version
-- unchanged (NULL for a first write) when the write lost a race: Orleans reads that as a
-- version conflict.
CREATE OR REPLACE FUNCTION vault_grain_state_write(
    p_service varchar, p_type varchar, p_n0 bigint, p_n1 bigint, p_ext varchar,
    p_grain_hash integer, p_type_hash integer, p_version integer, p_payload bytea)
RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
    v_new integer;
BEGIN
    IF p_version IS NULL THEN
        INSERT INTO vault_grain_state (service_id, grain_type, grain_n0, grain_n1, grain_key_ext,
                                       grain_hash, type_hash, payload, version)
        VALUES (p_service, p_type, p_n0, p_n1, coalesce(p_ext, ''), p_grain_hash, p_type_hash, p_payload, 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO v_new;
    ELSE
        UPDATE vault_grain_state
           SET payload = p_payload, version = version + 1, modified_at = now()
         WHERE service_id = p_service AND grain_type = p_type AND grain_n0 = p_n0
           AND grain_n1 = p_n1 AND grain_key_ext = coalesce(p_ext, '') AND version = p_version
        RETURNING version INTO v_new;
    END IF;
    RETURN coalesce(v_new, p_version);
END
$fn$;

------------------------------------------------------------------------------------------
-- Reminders (Microsoft.Orleans.Reminders.AdoNet)
------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS vault_reminders
(
    service_id    varchar(150) NOT NULL,
    grain_id      varchar(150) NOT NULL,
    reminder_name varchar(150) NOT NULL,
    start_time    timestamptz  NOT NULL,
    period_ms     bigint       NOT NULL,
    grain_hash    integer      NOT NULL,
    version       integer      NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS vault_reminders_by_hash ON vault_reminders (service_id, grain_hash);

------------------------------------------------------------------------------------------
-- The queries, by key. Parameter names (@Name) and result column names are the providers'
-- contract; everything else is ours.
------------------------------------------------------------------------------------------

INSERT INTO orleansquery (querykey, querytext) VALUES
('InsertMembershipVersionKey', $q$
    WITH added AS (
        INSERT INTO vault_membership_version (deployment_id) VALUES (@DeploymentId)
        ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*)::integer FROM added
$q$),
('InsertMembershipKey', $q$
    SELECT vault_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                                   @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)
$q$),
('UpdateMembershipKey', $q$
    SELECT vault_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
                                   @SuspectTimes, @IAmAliveTime, @Version)
$q$),
('UpdateIAmAlivetimeKey', $q$
    UPDATE vault_membership SET i_am_alive = @IAmAliveTime
     WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),
('MembershipReadRowKey', $q$
    SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive AS IAmAliveTime,
           v.version AS Version
      FROM vault_membership_version v
      LEFT JOIN vault_membership m
        ON m.deployment_id = v.deployment_id AND m.address = @Address
       AND m.port = @Port AND m.generation = @Generation
     WHERE v.deployment_id = @DeploymentId
$q$),
('MembershipReadAllKey', $q$
    SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive AS IAmAliveTime,
           v.version AS Version
      FROM vault_membership_version v
      LEFT JOIN vault_membership m ON m.deployment_id = v.deployment_id
     WHERE v.deployment_id = @DeploymentId
$q$),
('DeleteMembershipTableEntriesKey', $q$
    WITH gone AS (DELETE FROM vault_membership WHERE deployment_id = @DeploymentId)
    DELETE FROM vault_membership_version WHERE deployment_id = @DeploymentId
$q$),
('GatewaysQueryKey', $q$
    SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
      FROM vault_membership
     WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM vault_membership
     WHERE deployment_id = @DeploymentId AND status = 6 AND i_am_alive < @IAmAliveTime
$q$),
('WriteToStorageKey', $q$
    SELECT vault_grain_state_write(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                                   @GrainIdHash, @GrainTypeHash, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion
$q$),
('ReadFromStorageKey', $q$
    SELECT payload AS PayloadBinary, version AS Version
      FROM vault_grain_state
     WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_n0 = @GrainIdN0
       AND grain_n1 = @GrainIdN1 AND grain_key_ext = coalesce(@GrainIdExtensionString::varchar, '')
$q$),
('ClearStorageKey', $q$
    UPDATE vault_grain_state SET payload = NULL, version = version + 1, modified_at = now()
     WHERE service_id = @ServiceId AND grain_type = @GrainTypeString AND grain_n0 = @GrainIdN0
       AND grain_n1 = @GrainIdN1 AND grain_key_ext = coalesce(@GrainIdExtensionString::varchar, '')
       AND version = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion
$q$),
('UpsertReminderRowKey', $q$
    INSERT INTO vault_reminders (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
       SET start_time = excluded.start_time, period_ms = excluded.period_ms,
           grain_hash = excluded.grain_hash, version = vault_reminders.version + 1
    RETURNING version AS Version
$q$),
('ReadReminderRowsKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
      FROM vault_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId
$q$),
('ReadReminderRowKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
      FROM vault_reminders
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$q$),
-- A hash range (begin, end]; when begin >= end the range wraps around the ring (Rows2).
('ReadRangeRows1Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
      FROM vault_reminders
     WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$q$),
('ReadRangeRows2Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
           period_ms AS Period, version AS Version
      FROM vault_reminders
     WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$q$),
('DeleteReminderRowKey', $q$
    WITH gone AS (
        DELETE FROM vault_reminders
         WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
           AND version = @Version
        RETURNING 1)
    SELECT count(*)::integer FROM gone
$q$),
('DeleteReminderRowsKey', $q$
    DELETE FROM vault_reminders WHERE service_id = @ServiceId
$q$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;

INSERT INTO vault_schema (component, version) VALUES ('vault', 1)
ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = now();
