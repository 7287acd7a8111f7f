"""The public log of the ledger (Art 24, issue 17): every ledger transaction, in ledger order, is a leaf of an
append-only Merkle tree (RFC 6962 / 9162, accounting/merkle.py), and signed checkpoints (C2SP tlog-checkpoint
notes, Ed25519) commit to it, so anyone can verify one movement in O(log n) hashes and that the log never rewrote
what it published.

The leaf bytes are canonical JSON (UTF-8, keys sorted, no spaces), version 1:
    {"v": 1, "sequence": n, "kind": "issue", "time": "2026-11-29T08:00:00.123456Z",
     "movements": [{"lot": "ZB2026000001", "factor": "SO2", "quantity": "12.5000",
                    "from": "source", "from_holder": null, "to": "enterprise", "to_holder": "<commitment>"}],
     "actor": "<commitment>" | null}
Who is never in the clear: an enterprise's account is a commitment SHA-256(salt || "<credit code>:<account
reference>") and the person who posted it SHA-256(salt || "user:<id>"), each with a 16-byte salt of its own kept
out of the log; the enterprise concerned can have the openings (salt and value) of its own commitments to prove a
movement is its own. The leaves are encoded afresh from the ledger whenever they are served, so a row changed behind
the ledger's back no longer matches the signed tree, and every verifier says which transaction.
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounting import merkle
from quota_registry.audit.services import record
from quota_registry.orgs.models import OrganisationKind

from .models import OWNED_ACCOUNTS, Account, Checkpoint, LedgerTransaction, LogLeaf, LogNode, Movement

BATCH = 5000  # transactions integrated per database transaction


# --- the leaves --------------------------------------------------------------------------------------------------

def _commit(salt_hex: str, value: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt_hex) + value.encode()).hexdigest()


def _holder(account: Account) -> str | None:
    """What an enterprise's account commitment opens to; None for the city's own accounts (pool, hold...)."""
    if account.kind not in OWNED_ACCOUNTS:
        return None
    return f"{account.organisation.credit_code}:{account.reference}"


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def openings(txn: LedgerTransaction, movements: list[Movement]) -> dict:
    """{field: value} of the commitments of one transaction (the values a salt is drawn for)."""
    values = {}
    for i, m in enumerate(movements):
        for side, account in (("from", m.from_account), ("to", m.to_account)):
            holder = _holder(account)
            if holder is not None:
                values[f"movements.{i}.{side}_holder"] = holder
    if txn.actor_id:
        values["actor"] = f"user:{txn.actor_id}"
    return values


def leaf_bytes(txn: LedgerTransaction, movements: list[Movement], salts: dict) -> bytes:
    """The canonical encoding of a transaction (see the module's docstring) with the commitments of `salts`."""
    values = openings(txn, movements)

    def commitment(key):
        return _commit(salts[key], values[key]) if key in values else None

    doc = {"v": 1, "sequence": txn.sequence, "kind": txn.kind, "time": _utc(txn.created_at),
           "actor": commitment("actor"),
           "movements": [{"lot": m.lot.number, "factor": m.lot.pollutant.code, "quantity": f"{m.quantity:.4f}",
                          "from": m.from_account.kind, "from_holder": commitment(f"movements.{i}.from_holder"),
                          "to": m.to_account.kind, "to_holder": commitment(f"movements.{i}.to_holder")}
                         for i, m in enumerate(movements)]}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _movements(txn_ids) -> dict[int, list[Movement]]:
    by_txn: dict[int, list[Movement]] = {}
    for m in (Movement.objects.filter(transaction_id__in=txn_ids)
              .select_related("lot__pollutant", "from_account__organisation", "to_account__organisation")
              .order_by("transaction_id", "id")):
        by_txn.setdefault(m.transaction_id, []).append(m)
    return by_txn


def leaves(start: int, end: int) -> list[tuple[LogLeaf, bytes]]:
    """The leaves start <= index < end, each with its bytes encoded now from the ledger's rows."""
    rows = list(LogLeaf.objects.filter(index__gte=start, index__lt=end).select_related("transaction").order_by("index"))
    moves = _movements([r.transaction_id for r in rows])
    return [(r, leaf_bytes(r.transaction, moves.get(r.transaction_id, []), r.salts)) for r in rows]


# --- the tree ----------------------------------------------------------------------------------------------------

def size() -> int:
    top = LogLeaf.objects.aggregate(m=Max("index"))["m"]
    return 0 if top is None else top + 1


class Nodes:
    """The stored complete subtrees, read as a proof or a root needs them (one query per node, cached)."""

    def __init__(self):
        self.cache: dict[tuple[int, int], bytes] = {}

    def get(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            row = LogNode.objects.filter(level=level, index=index).values_list("hash", flat=True).first()
            if row is None:
                raise LookupError(f"no node {key}: the range is not in the log")
            self.cache[key] = bytes(row)
        return self.cache[key]

    def range_hash(self, start: int, end: int) -> bytes:
        """MTH of the leaves start <= i < end, for the aligned ranges the tree and its proofs are made of."""
        n = end - start
        if n == 0:
            return merkle.EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self.get(n.bit_length() - 1, start // n)
        k = merkle.split(n)
        return merkle.node_hash(self.range_hash(start, start + k), self.range_hash(start + k, end))


def root(tree_size: int) -> bytes:
    return Nodes().range_hash(0, tree_size)


def inclusion(index: int, tree_size: int) -> list[bytes]:
    return merkle.inclusion_proof(index, tree_size, Nodes().range_hash)


def consistency(first: int, second: int) -> list[bytes]:
    return merkle.consistency_proof(first, second, Nodes().range_hash)


@transaction.atomic
def integrate(limit: int = BATCH) -> int:
    """Append the ledger transactions not yet in the log, in ledger order, with the nodes they complete. One
    integrator at a time (a row lock on the checkpoint table's advisory key). Returns how many were appended."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(6962)")
    n = size()
    last = LogLeaf.objects.filter(index=n - 1).values_list("transaction__sequence", flat=True).first() if n else None
    pending = LedgerTransaction.objects.order_by("sequence")
    if last is not None:
        pending = pending.filter(sequence__gt=last)
    txns = list(pending[:limit])
    if not txns:
        return 0
    moves = _movements([t.pk for t in txns])
    nodes, new_nodes, new_leaves = Nodes(), {}, []
    for txn in txns:
        mv = moves.get(txn.pk, [])
        salts = {key: secrets.token_hex(16) for key in openings(txn, mv)}
        h = merkle.leaf_hash(leaf_bytes(txn, mv, salts))
        new_leaves.append(LogLeaf(index=n, transaction=txn, hash=h, salts=salts))
        new_nodes[(0, n)] = h
        level, index = 0, n
        while index & 1:  # this node completes its parent: climb while the subtree just closed is a right child
            left = new_nodes.get((level, index - 1)) or nodes.get(level, index - 1)
            parent = merkle.node_hash(left, new_nodes[(level, index)])
            level, index = level + 1, index >> 1
            new_nodes[(level, index)] = parent
        n += 1
    LogLeaf.objects.bulk_create(new_leaves)
    LogNode.objects.bulk_create([LogNode(level=lv, index=ix, hash=h) for (lv, ix), h in new_nodes.items()])
    return len(new_leaves)


# --- signing -----------------------------------------------------------------------------------------------------

def _private_key():
    """The signing key, from outside the database: PORTAL_LOG_SIGNING_KEY (base64 of the 32-byte Ed25519 seed), or
    the file PORTAL_LOG_KEY_FILE; for the demo and tests a key is generated into that file (0600)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    encoded = getattr(settings, "PORTAL_LOG_SIGNING_KEY", "")
    if encoded:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded))
    path = Path(settings.PORTAL_LOG_KEY_FILE)
    if not path.exists():
        if not settings.PORTAL_LOG_GENERATE_KEY:
            raise RuntimeError(f"no log signing key: set PORTAL_LOG_SIGNING_KEY or create {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(seed).decode() + "\n")
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text().strip()))


def key_name() -> str:
    return settings.PORTAL_LOG_ORIGIN


def verifier_key() -> str:
    public = _private_key().public_key().public_bytes_raw()
    return merkle.verifier_key(key_name(), public)


def publish_checkpoint() -> Checkpoint:
    """Integrate what is new and sign a checkpoint of the whole log (a new one only when the tree grew)."""
    while integrate():
        pass
    tree_size = size()
    latest = Checkpoint.objects.order_by("-tree_size", "-id").first()
    if latest is not None and latest.tree_size == tree_size:
        return latest
    key = _private_key()
    head = root(tree_size)
    body = merkle.checkpoint_body(settings.PORTAL_LOG_ORIGIN, tree_size, head)
    note = merkle.signed_note(body, key_name(), key.public_key().public_bytes_raw(), key.sign)
    return Checkpoint.objects.create(tree_size=tree_size, root_hash=head.hex(), note=note, key_name=key_name())


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size", "-id").first()


# --- reconciliation ----------------------------------------------------------------------------------------------

def _leaves_from(compact: merkle.CompactRange, end: int, problems: list, batch: int) -> None:
    """Leaves compact.size <= i < end encoded again from the ledger's rows: each against the hash it was integrated
    with (a difference names the transaction), appended to the compact range."""
    while compact.size < end:
        for leaf, data in leaves(compact.size, min(end, compact.size + batch)):
            h = merkle.leaf_hash(data)
            if h != bytes(leaf.hash):
                problems.append(f"transaction #{leaf.transaction.sequence} (log index {leaf.index}) no longer matches "
                                f"the published log")
            compact.append(h)


def reconcile(batch: int = 2000) -> list[str]:
    """Every leaf encoded again from the ledger's rows against the hash it was integrated with, the root they give
    against the latest checkpoint, and the stored tree's: the problems found, naming the transactions (empty when
    the log holds)."""
    problems, compact = [], merkle.CompactRange()
    _leaves_from(compact, size(), problems, batch)
    checkpoint = latest_checkpoint()
    if checkpoint is not None:
        problems += _against_checkpoint(checkpoint, compact if compact.size == checkpoint.tree_size else None)
    return problems


def _against_checkpoint(checkpoint, compact: merkle.CompactRange | None) -> list[str]:
    """The checkpoint's signature with the log's key, its root against the leaves recomputed (when given) and against
    the stored tree that serves the proofs."""
    from cryptography.exceptions import InvalidSignature

    problems = []
    public = _private_key().public_key()

    def check(signature: bytes, message: bytes) -> bool:
        try:
            public.verify(signature, message)
            return True
        except InvalidSignature:
            return False

    try:
        merkle.open_note(checkpoint.note, key_name(), public.public_bytes_raw(), check)
    except ValueError:
        problems.append(f"checkpoint {checkpoint.tree_size} is not signed by the log's key")
    if compact is not None and compact.root().hex() != checkpoint.root_hash:
        problems.append(f"the ledger's transactions no longer give the root of checkpoint {checkpoint.tree_size}")
    if Nodes().range_hash(0, checkpoint.tree_size).hex() != checkpoint.root_hash:
        problems.append(f"the stored tree no longer gives the root of checkpoint {checkpoint.tree_size}")
    return problems


def check(*, full: bool = False, batch: int = 2000):
    """`manage.py verify_ledger`: the ledger and the public log, from where the last clean run stopped (`full`: from
    the start). Ledger: the hash chain of the new transactions and every holding and lot they touched (full: all).
    Log: the new leaves encoded again and compared, the root they give (from the kept compact range) and the
    signature of the latest checkpoint. Returns the ledger's report and the run's record (the next run's start)."""
    import time

    from .models import LedgerHead, LogReconciliation
    from .verification import verify, verify_since

    started = time.monotonic()
    checkpoint = latest_checkpoint()
    base = None if full else (LogReconciliation.objects.filter(problems=[], compact_range__isnull=False,
                                                               tree_size__lte=checkpoint.tree_size if checkpoint else 0)
                              .order_by("-tree_size", "-id").first())
    head, head_hash = LedgerHead.objects.filter(pk=1).values_list("sequence", "hash").first() or (0, "")
    report = verify_since(base.sequence, batch, expected_hash=base.head_hash) if base and base.sequence else verify()
    if base is not None:
        compact = merkle.CompactRange(base.tree_size, [bytes.fromhex(h) for h in base.compact_range])
    else:
        compact = merkle.CompactRange()
    start, problems = compact.size, []
    if checkpoint is not None:
        _leaves_from(compact, checkpoint.tree_size, problems, batch)
        problems += _against_checkpoint(checkpoint, compact)
    report.problems += problems
    record = LogReconciliation.objects.create(
        tree_size=compact.size, problems=report.problems[:1000], full=base is None, from_size=start, sequence=head,
        head_hash=head_hash,
        compact_range=[h.hex() for h in compact.hashes], seconds=round(time.monotonic() - started, 2))
    return report, record


def reconcile_and_report():
    """The nightly job: reconcile, record the result (the public page shows the last one) and alert the city
    administrators when the log and the ledger differ."""
    from quota_registry.notifications.services import notify
    from quota_registry.orgs.models import Role, User

    publish_checkpoint()
    problems = check(full=True)[1].problems
    if problems:
        notify(recipients=list(User.objects.filter(role=Role.CITY_ADMIN, is_active=True)),
               subject=_("The public log does not match the ledger: %(problems)s") % {
                   "problems": "; ".join(problems[:3])},
               body="\n".join(problems), link="/public/")
    return problems


def receipt(subject) -> dict | None:
    """The log receipt a printed form carries for the decision it records: the latest ledger transaction about
    `subject`, its place in the log (integrated now if it is not yet), and the address where anyone verifies it, with
    its QR code as an SVG data URI. None when the record moved nothing in the ledger."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from quota_registry.qr import qr_svg

    txn = (LedgerTransaction.objects.filter(subject_type=ContentType.objects.get_for_model(subject),
                                            subject_id=subject.pk).order_by("-sequence").first())
    if txn is None:
        return None
    if not LogLeaf.objects.filter(transaction=txn).exists():
        while integrate():
            pass
    index = LogLeaf.objects.filter(transaction=txn).values_list("index", flat=True).first()
    url = f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('reserve:log-verify')}?transaction={txn.sequence}"
    svg = base64.b64encode(qr_svg(url).encode()).decode()
    return {"sequence": txn.sequence, "index": index, "url": url, "qr": f"data:image/svg+xml;base64,{svg}"}


def cosign(note: str) -> list:
    """Take a checkpoint note carrying witnesses' cosignatures (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1): each
    line of a registered, active witness that verifies over a checkpoint the log signed is kept, with its time (once
    per witness and checkpoint). Returns what was kept;
    ValueError when the body is not one of the log's checkpoints."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from .models import Cosignature, Witness

    body, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise ValueError(_("Not a signed note."))
    body += "\n"
    _origin, tree_size, root_hash = merkle.parse_checkpoint(body)
    checkpoint = Checkpoint.objects.filter(tree_size=tree_size, root_hash=root_hash.hex()).first()
    if checkpoint is None or not checkpoint.note.startswith(body):
        raise ValueError(_("This is not a checkpoint of this log."))
    kept = []
    for witness in Witness.objects.filter(active=True):
        try:
            name, public = merkle.parse_verifier_key(witness.key, merkle.COSIGNATURE_V1)
        except ValueError:
            continue  # a key registered before cosigner keys (type 0x04): that witness registers its new key
        verifier = Ed25519PublicKey.from_public_bytes(public)

        def check(signature: bytes, message: bytes, verifier=verifier) -> bool:
            try:
                verifier.verify(signature, message)
                return True
            except InvalidSignature:
                return False

        for line in signatures.splitlines():
            try:
                timestamp = merkle.open_cosignature(line, body, name, public, check)
            except ValueError:
                continue
            if timestamp > timezone.now().timestamp() + 600:
                continue  # a cosignature from the future (c2sp.org/tlog-cosignature: verifiers may reject it)
            signed_at = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
            if signed_at > timezone.now() + datetime.timedelta(minutes=10):
                continue  # a cosignature from the future (c2sp.org/tlog-cosignature: verifiers may reject it)
            found, created = Cosignature.objects.get_or_create(checkpoint=checkpoint, witness=witness,
                                                               defaults={"signature": line[:300], "signed_at": signed_at})
            if created:
                record(actor=None, action="cosignature.create", obj=found,
                       after={"witness": witness.name, "tree_size": tree_size, "signature": found.signature,
                              "signed_at": signed_at.isoformat()})
            kept.append(found)
    return kept


def openings_for(user, sequence: int) -> tuple[LogLeaf, dict] | None:
    """The leaf of transaction `sequence` and the openings (salt and value) of the commitments that are the user's
    own: an enterprise's accounts (`<credit code>:<account>`). Another party's commitments stay closed. None when the
    transaction is not in the log yet."""
    leaf = LogLeaf.objects.select_related("transaction").filter(transaction__sequence=sequence).first()
    if leaf is None:
        return None
    organisation = getattr(user, "organisation", None)
    if organisation is None or organisation.kind != OrganisationKind.ENTERPRISE or not organisation.credit_code:
        return leaf, {}
    return leaf, openings_of(leaf, organisation)


def openings_of(leaf: LogLeaf, organisation) -> dict:
    """The openings of one enterprise's commitments in a leaf: what it (or, for a pledge, its bank) shows a third
    party to prove that a movement is its own."""
    own = f"{organisation.credit_code}:"
    values = openings(leaf.transaction, _movements([leaf.transaction_id]).get(leaf.transaction_id, []))
    return {key: {"salt": leaf.salts[key], "value": value} for key, value in values.items() if value.startswith(own)}
