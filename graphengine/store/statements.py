"""Every Cypher statement the store sends to Neo4j, as named constants.

This module is the one place where graphengine writes Cypher for loading, counting, writing
back and reading the projection. Statements take their values from parameters only
(``$rows``, ``$cols``, ``$ids``, ``$keys``); nothing a user supplies is ever pasted into Cypher
text. Labels and relationship types are fixed here. The graph model they build is documented
in ``docs/data-model.md``.

The bulk writes take **columns**, not rows: ``$cols`` is a map of equally long lists (one list
per property) and the statement walks ``range(0, size(...) - 1)``. Sending a batch as columns
instead of one map per row means the driver packs each property name once per batch instead of
once per row, which roughly halves the client's share of a load. The shapes are listed in each
constant's comment and built by :mod:`graphengine.store.rows`.

Examples
--------
>>> from graphengine.store import statements
>>> "$rows" in statements.MERGE_TRACEBACKS
True
"""

from __future__ import annotations

__all__ = [
    "CLEAR_RELATIONSHIPS",
    "CLEAR_NODES",
    "SCHEMA_STATEMENTS",
    "AWAIT_INDEXES",
    "MERGE_PROVIDERS",
    "READ_TRACEBACK_HASHES",
    "MERGE_TRACEBACKS",
    "MERGE_CAMPAIGNS",
    "MERGE_CUSTOMERS",
    "DELETE_TRACEBACK_EDGES",
    "CREATE_HOPS",
    "CREATE_ROUTED",
    "CREATE_OF_CAMPAIGN",
    "CREATE_CUSTOMER_LINKS",
    "MARK_SENDS_TO_STALE",
    "STALE_UPSTREAMS",
    "RECOMPUTE_SENDS_TO",
    "GRAPH_COUNTS",
    "WRITE_PROVIDER_PROPERTIES",
    "READ_PROVIDERS",
    "READ_SENDS_TO",
    "READ_HOPS",
    "FINGERPRINT_NODES",
    "FINGERPRINT_RELATIONSHIPS",
    "NAIVE_HOP",
    "ALL_STATEMENTS",
]

# --- schema: constraints and indexes, created before anything is written ------------------
#: Unique constraints on every business key (each also creates a range index), plus
#: relationship indexes so that a traceback's edges are found without scanning provider
#: neighbourhoods. Community edition has no relationship key constraints, so uniqueness of
#: ROUTED per (traceback_id, hop) is guaranteed by the loader (see docs/data-model.md).
SCHEMA_STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT provider_key IF NOT EXISTS FOR (p:Provider) REQUIRE p.key IS UNIQUE",
    "CREATE CONSTRAINT traceback_id IF NOT EXISTS FOR (t:Traceback) REQUIRE t.id IS UNIQUE",
    "CREATE CONSTRAINT campaign_name IF NOT EXISTS FOR (c:Campaign) REQUIRE c.name IS UNIQUE",
    "CREATE CONSTRAINT customer_key IF NOT EXISTS FOR (c:Customer) REQUIRE c.key IS UNIQUE",
    "CREATE INDEX routed_traceback_hop IF NOT EXISTS "
    "FOR ()-[r:ROUTED]-() ON (r.traceback_id, r.hop)",
    "CREATE INDEX customer_of_traceback IF NOT EXISTS "
    "FOR ()-[r:CUSTOMER_OF]-() ON (r.traceback_id)",
    "CREATE INDEX traceback_call_time IF NOT EXISTS FOR (t:Traceback) ON (t.call_time)",
    "CREATE INDEX provider_ecosystem IF NOT EXISTS FOR (p:Provider) ON (p.ecosystem)",
)

#: timeout: seconds. Blocks until every index is online.
AWAIT_INDEXES = "CALL db.awaitIndexes($timeout)"

# --- nodes ---------------------------------------------------------------------------------
#: rows: {key, name, aliases: [str], country, frn, in_rmd, rmd_implementation,
#: gateway_provider_choice, intermediate_provider_choice, rmd_removed_on}.
#: A later load never erases what an earlier one knew: aliases are unioned, and a null
#: value keeps the stored one. The same rows therefore leave the node unchanged.
MERGE_PROVIDERS = """
UNWIND $rows AS row
MERGE (p:Provider {key: row.key})
SET p.aliases = COLLECT {
      UNWIND coalesce(p.aliases, []) + coalesce(row.aliases, []) AS alias
      WITH DISTINCT alias WHERE alias IS NOT NULL
      RETURN alias ORDER BY alias
    },
    p.name = coalesce(row.name, p.name),
    p.country = coalesce(row.country, p.country),
    p.frn = coalesce(row.frn, p.frn),
    p.in_rmd = coalesce(row.in_rmd, p.in_rmd),
    p.rmd_implementation = coalesce(row.rmd_implementation, p.rmd_implementation),
    p.gateway_provider_choice = coalesce(row.gateway_provider_choice, p.gateway_provider_choice),
    p.intermediate_provider_choice =
        coalesce(row.intermediate_provider_choice, p.intermediate_provider_choice),
    p.rmd_removed_on = coalesce(row.rmd_removed_on, p.rmd_removed_on)
"""

#: ids: [str]. Returns the content hash stored on each traceback that already exists, so the
#: loader can skip unchanged tracebacks (idempotent and resumable re-loads).
READ_TRACEBACK_HASHES = """
UNWIND $ids AS id
MATCH (t:Traceback {id: id})
RETURN t.id AS id, t.content_hash AS content_hash
"""

#: cols: {id, call_time_s, call_time_ns, campaign, calling_number, calling_number_e164, called_number,
#: called_number_e164, attestation, source_file, source_sha256, content_hash}. Every
#: property is set (a null removes it), so a re-load leaves no stale value behind.
MERGE_TRACEBACKS = """
UNWIND range(0, size($cols.id) - 1) AS i
MERGE (t:Traceback {id: $cols.id[i]})
SET t.call_time = CASE WHEN $cols.call_time_s[i] IS NULL THEN null
                  ELSE datetime.fromepoch($cols.call_time_s[i], $cols.call_time_ns[i]) END,
    t.campaign = $cols.campaign[i],
    t.calling_number = $cols.calling_number[i],
    t.calling_number_e164 = $cols.calling_number_e164[i],
    t.called_number = $cols.called_number[i],
    t.called_number_e164 = $cols.called_number_e164[i],
    t.attestation = $cols.attestation[i],
    t.source_file = $cols.source_file[i],
    t.source_sha256 = $cols.source_sha256[i],
    t.content_hash = $cols.content_hash[i]
"""

#: names: [str]
MERGE_CAMPAIGNS = """
UNWIND $names AS name
MERGE (:Campaign {name: name})
"""

#: cols: {key, name}
MERGE_CUSTOMERS = """
UNWIND range(0, size($cols.key) - 1) AS i
MERGE (c:Customer {key: $cols.key[i]})
SET c.name = coalesce($cols.name[i], c.name)
"""

# --- relationships -------------------------------------------------------------------------
#: ids: [str] of tracebacks whose stored content differs from the new one. Removes their
#: HOP, ROUTED, OF_CAMPAIGN, FROM_CUSTOMER and CUSTOMER_OF edges before they are written
#: again, marks the upstream end of each removed ROUTED edge so SENDS_TO is recomputed, and
#: deletes a Campaign or Customer node that no traceback points at any more (so a replaced
#: traceback leaves the graph as a clean load of the new content would).
DELETE_TRACEBACK_EDGES = """
UNWIND $ids AS id
MATCH (t:Traceback {id: id})
CALL (id) {
  OPTIONAL MATCH (u:Provider)-[r:ROUTED {traceback_id: id}]->(:Provider)
  SET u:SendsToStale
  DELETE r
}
CALL (id) {
  OPTIONAL MATCH (:Customer)-[c:CUSTOMER_OF {traceback_id: id}]->(:Provider)
  DELETE c
}
CALL (t) {
  OPTIONAL MATCH (t)-[e:HOP|OF_CAMPAIGN|FROM_CUSTOMER]->(x)
  DELETE e
  WITH DISTINCT x
  WHERE (x:Campaign OR x:Customer) AND NOT EXISTS { (x)--() }
  DELETE x
}
"""

#: cols: {id, key, hop, provider_name, upstream_provider, upstream_key, role, response,
#: response_category, attestation, provider_country, customer, customer_key, flags,
#: source_line, source_hop} (``source_hop``: the hop number as printed in the source file)
CREATE_HOPS = """
UNWIND range(0, size($cols.id) - 1) AS i
MATCH (t:Traceback {id: $cols.id[i]})
MATCH (p:Provider {key: $cols.key[i]})
CREATE (t)-[:HOP {
  hop: $cols.hop[i], provider_name: $cols.provider_name[i],
  upstream_provider: $cols.upstream_provider[i], upstream_key: $cols.upstream_key[i],
  role: $cols.role[i], response: $cols.response[i],
  response_category: $cols.response_category[i], attestation: $cols.attestation[i],
  provider_country: $cols.provider_country[i], customer: $cols.customer[i],
  customer_key: $cols.customer_key[i], flags: $cols.flags[i],
  source_line: $cols.source_line[i], source_hop: $cols.source_hop[i]
}]->(p)
"""

#: cols: {up, down, traceback_id, hop, source_hop, call_time_s, call_time_ns, campaign,
#: attestation, response_category}. ``call_time`` travels as two integers (seconds, nanoseconds; see
#: :func:`graphengine.store.rows.epoch_parts`) and is rebuilt here: packing a ``datetime`` in
#: the driver is slow. One edge per hop in call-flow direction (upstream -> downstream).
#: Properties are spelled out (not ``SET r = map``) so the plan needs no Eager step; a null
#: value stores no property.
CREATE_ROUTED = """
UNWIND range(0, size($cols.up) - 1) AS i
MATCH (u:Provider {key: $cols.up[i]})
MATCH (d:Provider {key: $cols.down[i]})
CREATE (u)-[:ROUTED {
  traceback_id: $cols.traceback_id[i], hop: $cols.hop[i], source_hop: $cols.source_hop[i],
  call_time: CASE WHEN $cols.call_time_s[i] IS NULL THEN null
             ELSE datetime.fromepoch($cols.call_time_s[i], $cols.call_time_ns[i]) END,
  campaign: $cols.campaign[i], attestation: $cols.attestation[i],
  response_category: $cols.response_category[i]
}]->(d)
"""

#: cols: {id, campaign}
CREATE_OF_CAMPAIGN = """
UNWIND range(0, size($cols.id) - 1) AS i
MATCH (t:Traceback {id: $cols.id[i]})
MATCH (c:Campaign {name: $cols.campaign[i]})
CREATE (t)-[:OF_CAMPAIGN]->(c)
"""

#: cols: {id, customer_key, provider_key}: the customer handed the call to the provider at
#: the traceback's last (originating) hop that named it.
CREATE_CUSTOMER_LINKS = """
UNWIND range(0, size($cols.id) - 1) AS i
MATCH (t:Traceback {id: $cols.id[i]})
MATCH (c:Customer {key: $cols.customer_key[i]})
MATCH (p:Provider {key: $cols.provider_key[i]})
CREATE (t)-[:FROM_CUSTOMER]->(c)
CREATE (c)-[:CUSTOMER_OF {traceback_id: $cols.id[i]}]->(p)
"""

#: keys: [str] of providers that gained or lost outgoing ROUTED edges in this transaction.
MARK_SENDS_TO_STALE = """
UNWIND $keys AS key
MATCH (u:Provider {key: key})
SET u:SendsToStale
"""

# --- SENDS_TO aggregate --------------------------------------------------------------------
#: limit: int. Keys of providers whose outgoing SENDS_TO edges may be out of date.
STALE_UPSTREAMS = """
MATCH (u:SendsToStale)
RETURN u.key AS key
ORDER BY key
LIMIT $limit
"""

#: keys: [str]. Rebuilds every outgoing SENDS_TO edge of each provider from its ROUTED edges,
#: deletes the ones no ROUTED edge supports any more and clears the stale mark, all in one
#: transaction, so an interrupted load is repaired by the next one.
RECOMPUTE_SENDS_TO = """
UNWIND $keys AS key
MATCH (u:Provider {key: key})
CALL (u) {
  OPTIONAL MATCH (u)-[s:SENDS_TO]->()
  DELETE s
}
CALL (u) {
  MATCH (u)-[r:ROUTED]->(d:Provider)
  WITH d, count(DISTINCT r.traceback_id) AS tracebacks, count(r) AS hops,
       collect(DISTINCT r.campaign) AS campaigns,
       min(r.call_time) AS first_seen, max(r.call_time) AS last_seen
  CREATE (u)-[s:SENDS_TO]->(d)
  SET s.tracebacks = tracebacks,
      s.hops = hops,
      s.campaigns = COLLECT { UNWIND campaigns AS c RETURN c ORDER BY c },
      s.n_campaigns = size(campaigns),
      s.first_seen = first_seen,
      s.last_seen = last_seen
}
REMOVE u:SendsToStale
"""

# --- counts, write-back, reads -------------------------------------------------------------
#: One row of totals per label and relationship type of the model (count store lookups).
GRAPH_COUNTS = """
CALL () { MATCH (n:Provider) RETURN count(n) AS Provider }
CALL () { MATCH (n:Traceback) RETURN count(n) AS Traceback }
CALL () { MATCH (n:Campaign) RETURN count(n) AS Campaign }
CALL () { MATCH (n:Customer) RETURN count(n) AS Customer }
CALL () { MATCH ()-[r:ROUTED]->() RETURN count(r) AS ROUTED }
CALL () { MATCH ()-[r:HOP]->() RETURN count(r) AS HOP }
CALL () { MATCH ()-[r:OF_CAMPAIGN]->() RETURN count(r) AS OF_CAMPAIGN }
CALL () { MATCH ()-[r:FROM_CUSTOMER]->() RETURN count(r) AS FROM_CUSTOMER }
CALL () { MATCH ()-[r:CUSTOMER_OF]->() RETURN count(r) AS CUSTOMER_OF }
CALL () { MATCH ()-[r:SENDS_TO]->() RETURN count(r) AS SENDS_TO }
RETURN Provider, Traceback, Campaign, Customer, ROUTED, HOP, OF_CAMPAIGN, FROM_CUSTOMER,
       CUSTOMER_OF, SENDS_TO
"""

#: rows: {key, props: {column: value}}. ``+=`` touches only the given properties; a null
#: value removes that property. Returns how many providers were found.
WRITE_PROVIDER_PROPERTIES = """
UNWIND $rows AS row
MATCH (p:Provider {key: row.key})
SET p += row.props
RETURN count(p) AS updated
"""

#: Every provider with all its properties (the write-back ones included).
READ_PROVIDERS = """
MATCH (p:Provider)
RETURN p.key AS provider_key, properties(p) AS props
ORDER BY provider_key
"""

#: The aggregated provider-to-provider edges used by analytics.
READ_SENDS_TO = """
MATCH (u:Provider)-[s:SENDS_TO]->(d:Provider)
RETURN u.key AS upstream_key, d.key AS downstream_key, s.tracebacks AS tracebacks,
       s.hops AS hops, s.n_campaigns AS n_campaigns, s.campaigns AS campaigns,
       s.first_seen AS first_seen, s.last_seen AS last_seen
ORDER BY upstream_key, downstream_key
"""

#: One row per HOP edge with its traceback's properties: the canonical hop frame again.
READ_HOPS = """
MATCH (t:Traceback)-[h:HOP]->(p:Provider)
RETURN t.id AS traceback_id, p.key AS provider_key, properties(h) AS hop,
       properties(t) AS traceback
ORDER BY traceback_id, hop.hop
"""

#: Every node with its labels and properties, for :func:`graphengine.store.graph_fingerprint`.
FINGERPRINT_NODES = """
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS props
"""

#: Every relationship with its type, properties and the business keys of its two ends.
FINGERPRINT_RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS props,
       labels(a) AS a_labels, coalesce(a.key, a.id, a.name) AS a_key,
       labels(b) AS b_labels, coalesce(b.key, b.id, b.name) AS b_key
"""

# Emptying a scratch database (tests, notebooks). Relationships go first, in batches: a hub
# provider's DETACH DELETE alone can exceed the transaction memory limit. CALL ... IN
# TRANSACTIONS needs an auto-commit transaction (session.run), not a managed one.
CLEAR_RELATIONSHIPS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF $batch ROWS"
CLEAR_NODES = "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF $batch ROWS"

#: The naive baseline of benchmarks/bench_load.py: one auto-commit query per hop, MERGE on
#: everything. Parameters: id, key, up, hop, call_time, campaign, role, response_category.
NAIVE_HOP = """
MERGE (t:Traceback {id: $id})
SET t.call_time = $call_time, t.campaign = $campaign
MERGE (p:Provider {key: $key})
MERGE (t)-[h:HOP {hop: $hop}]->(p)
SET h.role = $role, h.response_category = $response_category
WITH t, p
OPTIONAL MATCH (u:Provider {key: $up})
FOREACH (_ IN CASE WHEN u IS NULL THEN [] ELSE [1] END |
  MERGE (u)-[r:ROUTED {traceback_id: $id, hop: $hop}]->(p)
  SET r.call_time = $call_time, r.campaign = $campaign)
"""

#: name -> statement, for the unit tests that check every statement is parameterised.
ALL_STATEMENTS: dict[str, str] = {
    **{f"SCHEMA_{i}": s for i, s in enumerate(SCHEMA_STATEMENTS)},
    "AWAIT_INDEXES": AWAIT_INDEXES,
    "MERGE_PROVIDERS": MERGE_PROVIDERS,
    "READ_TRACEBACK_HASHES": READ_TRACEBACK_HASHES,
    "MERGE_TRACEBACKS": MERGE_TRACEBACKS,
    "MERGE_CAMPAIGNS": MERGE_CAMPAIGNS,
    "MERGE_CUSTOMERS": MERGE_CUSTOMERS,
    "DELETE_TRACEBACK_EDGES": DELETE_TRACEBACK_EDGES,
    "CREATE_HOPS": CREATE_HOPS,
    "CREATE_ROUTED": CREATE_ROUTED,
    "CREATE_OF_CAMPAIGN": CREATE_OF_CAMPAIGN,
    "CREATE_CUSTOMER_LINKS": CREATE_CUSTOMER_LINKS,
    "MARK_SENDS_TO_STALE": MARK_SENDS_TO_STALE,
    "STALE_UPSTREAMS": STALE_UPSTREAMS,
    "RECOMPUTE_SENDS_TO": RECOMPUTE_SENDS_TO,
    "GRAPH_COUNTS": GRAPH_COUNTS,
    "WRITE_PROVIDER_PROPERTIES": WRITE_PROVIDER_PROPERTIES,
    "READ_PROVIDERS": READ_PROVIDERS,
    "READ_SENDS_TO": READ_SENDS_TO,
    "READ_HOPS": READ_HOPS,
    "FINGERPRINT_NODES": FINGERPRINT_NODES,
    "FINGERPRINT_RELATIONSHIPS": FINGERPRINT_RELATIONSHIPS,
    "NAIVE_HOP": NAIVE_HOP,
    "CLEAR_RELATIONSHIPS": CLEAR_RELATIONSHIPS,
    "CLEAR_NODES": CLEAR_NODES,
}
