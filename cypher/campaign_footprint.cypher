// name: campaign_footprint
// question: Which gateways and originating providers carried a campaign, and when?
// description: For the tracebacks of one campaign (matched case-insensitively) in the window,
//   one row per provider and role among gateway and originating, with the number of
//   tracebacks, the first and last call and the traceback ids. Gateways show where the
//   campaign entered the U.S. network; originators show where it started.
// param: campaign string required example="SSA imposter" -- campaign name
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// returns: role, provider_key, provider_name, tracebacks, first_seen, last_seen, traceback_ids
MATCH (c:Campaign)
WHERE toLower(c.name) = toLower($campaign)
MATCH (t:Traceback)-[:OF_CAMPAIGN]->(c)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
MATCH (t)-[h:HOP]->(p:Provider)
WHERE h.role IN ['gateway', 'originating']
WITH h.role AS role, p, t
ORDER BY t.id
WITH role, p, collect(DISTINCT t.id) AS traceback_ids,
     min(t.call_time) AS first_seen, max(t.call_time) AS last_seen
RETURN role,
       p.key AS provider_key,
       p.name AS provider_name,
       size(traceback_ids) AS tracebacks,
       first_seen,
       last_seen,
       traceback_ids
ORDER BY role, tracebacks DESC, provider_key
