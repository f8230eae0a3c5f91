// name: rmd_violations
// question: Which calls did a U.S. provider accept directly from a provider that was not in the RMD?
// description: Since 28 September 2021 a provider may not accept traffic directly from a
//   provider that is not in the Robocall Mitigation Database, and traffic from a provider the
//   FCC removed must be refused from the removal date. One row per call-flow edge (one step
//   of one traceback) where the upstream was never listed (reason not_listed; a provider the
//   loaded registry does not contain counts as not listed) or had been removed on or before
//   the call (reason removed). The finding is against the downstream provider. Foreign
//   downstream hops are left out. Needs the RMD registry loaded with the tracebacks.
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// param: effective datetime default=2021-09-28 -- the rule's effective date; earlier calls are not violations
// returns: traceback_id, call_time, downstream_key, downstream_name, downstream_role,
//   upstream_key, upstream_name, reason, removed_on
MATCH (u:Provider)-[r:ROUTED]->(d:Provider)
WHERE r.call_time >= $effective
  AND ($since IS NULL OR r.call_time >= $since) AND ($until IS NULL OR r.call_time < $until)
  AND (u.in_rmd IS NULL OR u.in_rmd = false OR u.rmd_removed_on <= r.call_time)
// the downstream's hop on this traceback, looked up per edge from the traceback (a few hops)
CALL (r, d) {
  MATCH (:Traceback {id: r.traceback_id})-[hd:HOP]->(d)
  WHERE hd.hop = r.hop
  RETURN hd
}
WITH u, d, r, hd
WHERE coalesce(hd.role, '') <> 'foreign'
  AND coalesce(hd.provider_country, d.country, 'US') = 'US'
RETURN r.traceback_id AS traceback_id,
       r.call_time AS call_time,
       d.key AS downstream_key,
       d.name AS downstream_name,
       hd.role AS downstream_role,
       u.key AS upstream_key,
       u.name AS upstream_name,
       CASE WHEN u.in_rmd = true THEN 'removed' ELSE 'not_listed' END AS reason,
       u.rmd_removed_on AS removed_on
ORDER BY call_time, traceback_id, r.hop DESC
