"""On PostgreSQL the database itself refuses a ledger that does not add up, whoever writes to it: at the commit of
any transaction that changed a holding, inserted a movement or created a lot,

- every holding it touched equals what its movements brought in minus what they took out (for that account and lot);
- every lot it touched was issued exactly once in full: what came from the SOURCE account equals its quantity;
- every ledger transaction it added moves something (at least one movement).

They are constraint triggers, deferred to the commit: within a transaction the posting service (ledger/services.py)
updates the holdings before it inserts the movements, and a lot is created just before its issue is posted. A
violation aborts the commit with SQLSTATE 23514 (check_violation) and the message says which row and by how much.
Holdings are never negative by their CHECK constraint; transactions and movements are append-only (reserve 0002)."""
from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION ledger_check_holding(p_account bigint, p_lot bigint) RETURNS void AS $$
DECLARE
    stored numeric;
    moved numeric;
BEGIN
    IF EXISTS (SELECT 1 FROM reserve_account WHERE id = p_account AND kind = 'source') THEN
        RETURN;  -- the outside world has no holding
    END IF;
    SELECT COALESCE(SUM(quantity), 0) INTO stored FROM reserve_holding WHERE account_id = p_account AND lot_id = p_lot;
    SELECT COALESCE(SUM(CASE WHEN to_account_id = p_account THEN quantity ELSE -quantity END), 0) INTO moved
      FROM reserve_movement WHERE lot_id = p_lot AND (to_account_id = p_account OR from_account_id = p_account);
    IF stored <> moved THEN
        RAISE EXCEPTION 'ledger: the holding of account % in lot % is %, but its movements add up to %',
            p_account, p_lot, stored, moved USING ERRCODE = 'check_violation';
    END IF;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_check_issue(p_lot bigint) RETURNS void AS $$
DECLARE
    lot_quantity numeric;
    issued numeric;
BEGIN
    SELECT quantity INTO lot_quantity FROM reserve_lot WHERE id = p_lot;
    IF lot_quantity IS NULL THEN
        RETURN;
    END IF;
    SELECT COALESCE(SUM(CASE WHEN src.kind = 'source' THEN m.quantity ELSE -m.quantity END), 0) INTO issued
      FROM reserve_movement m
      JOIN reserve_account src ON src.id = m.from_account_id
      JOIN reserve_account dst ON dst.id = m.to_account_id
     WHERE m.lot_id = p_lot AND (src.kind = 'source' OR dst.kind = 'source');
    IF issued <> lot_quantity THEN
        RAISE EXCEPTION 'ledger: lot % is of %, but % was issued for it', p_lot, lot_quantity, issued
            USING ERRCODE = 'check_violation';
    END IF;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_holding_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM ledger_check_holding(OLD.account_id, OLD.lot_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM ledger_check_holding(NEW.account_id, NEW.lot_id);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_movement_added() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_check_holding(NEW.from_account_id, NEW.lot_id);
    PERFORM ledger_check_holding(NEW.to_account_id, NEW.lot_id);
    PERFORM ledger_check_issue(NEW.lot_id);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_transaction_added() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM reserve_movement WHERE transaction_id = NEW.id) THEN
        RAISE EXCEPTION 'ledger: transaction % moves nothing', NEW.sequence USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION ledger_lot_changed() RETURNS trigger AS $$
BEGIN
    PERFORM ledger_check_issue(NEW.id);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE CONSTRAINT TRIGGER ledger_holding_equals_movements AFTER INSERT OR UPDATE OR DELETE ON reserve_holding
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_holding_changed();
CREATE CONSTRAINT TRIGGER ledger_movement_balances AFTER INSERT ON reserve_movement
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_movement_added();
CREATE CONSTRAINT TRIGGER ledger_lot_issued_in_full AFTER INSERT OR UPDATE OF quantity ON reserve_lot
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_lot_changed();
CREATE CONSTRAINT TRIGGER ledger_transaction_moves_something AFTER INSERT ON reserve_ledgertransaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_added();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_holding_equals_movements ON reserve_holding;
DROP TRIGGER IF EXISTS ledger_movement_balances ON reserve_movement;
DROP TRIGGER IF EXISTS ledger_lot_issued_in_full ON reserve_lot;
DROP TRIGGER IF EXISTS ledger_transaction_moves_something ON reserve_ledgertransaction;
DROP FUNCTION IF EXISTS ledger_transaction_added();
DROP FUNCTION IF EXISTS ledger_holding_changed();
DROP FUNCTION IF EXISTS ledger_movement_added();
DROP FUNCTION IF EXISTS ledger_lot_changed();
DROP FUNCTION IF EXISTS ledger_check_holding(bigint, bigint);
DROP FUNCTION IF EXISTS ledger_check_issue(bigint);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS + TRIGGERS, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_account_reference_lot_entry_item_reversed"), ("reserve", "0002_append_only_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
