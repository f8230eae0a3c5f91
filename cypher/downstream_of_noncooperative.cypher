// name: downstream_of_noncooperative
// question: Which U.S. providers kept accepting traffic from non-cooperative or non-RMD providers?
// description: For every call-flow edge upstream -> downstream in the window, the upstream is
//   flagged when, at the time of that call, it had already shown a non-cooperation event (no
//   response, records not found or insufficient records on any traceback up to that call,
//   this one included) or it was not in the Robocall Mitigation Database (never listed, or
//   removed on or before the call). One row per downstream provider that accepted such
//   traffic, with the flagged upstreams by reason, the first and last such call and the
//   traceback ids. Foreign downstream hops are left out: the RMD rule binds U.S. providers.
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// param: min_tracebacks int default=1 range=1.. -- leave out providers with fewer tracebacks
// returns: downstream_key, downstream_name, tracebacks, noncooperative_upstreams,
//   non_rmd_upstreams, first_seen, last_seen, traceback_ids

// each provider's first non-cooperation event, computed once per provider (not per edge)
MATCH (u:Provider)
CALL (u) {
  MATCH (t2:Traceback)-[h2:HOP]->(u)
  WHERE h2.response_category IN ['no_response', 'records_not_found', 'insufficient_records']
  RETURN min(t2.call_time) AS first_failure
}
MATCH (u)-[r:ROUTED]->(d:Provider)
WHERE ($since IS NULL OR r.call_time >= $since) AND ($until IS NULL OR r.call_time < $until)
WITH u, d, r, coalesce(first_failure <= r.call_time, false) AS noncooperative,
     (u.in_rmd IS NULL OR u.in_rmd = false OR u.rmd_removed_on <= r.call_time) AS non_rmd
WHERE noncooperative OR coalesce(non_rmd, false)
// the downstream's hop on this traceback, looked up per edge from the traceback (a few hops)
CALL (r, d) {
  MATCH (:Traceback {id: r.traceback_id})-[hd:HOP]->(d)
  WHERE hd.hop = r.hop
  RETURN hd
}
WITH u, d, r, hd, noncooperative, non_rmd
WHERE coalesce(hd.role, '') <> 'foreign'
  AND coalesce(hd.provider_country, d.country, 'US') = 'US'
WITH d, r,
     CASE WHEN noncooperative THEN u.key END AS noncoop_key,
     CASE WHEN coalesce(non_rmd, false) THEN u.key END AS non_rmd_key
ORDER BY r.traceback_id
WITH d, collect(DISTINCT r.traceback_id) AS traceback_ids,
     collect(DISTINCT noncoop_key) AS noncoop, collect(DISTINCT non_rmd_key) AS non_rmd,
     min(r.call_time) AS first_seen, max(r.call_time) AS last_seen
WHERE size(traceback_ids) >= $min_tracebacks
RETURN d.key AS downstream_key,
       d.name AS downstream_name,
       size(traceback_ids) AS tracebacks,
       COLLECT { UNWIND noncoop AS k RETURN k ORDER BY k } AS noncooperative_upstreams,
       COLLECT { UNWIND non_rmd AS k RETURN k ORDER BY k } AS non_rmd_upstreams,
       first_seen,
       last_seen,
       traceback_ids
ORDER BY tracebacks DESC, downstream_key
