// name: provider_tracebacks
// question: Which tracebacks went through a provider in a window, and what role did it play on each?
// description: One row per hop of the provider (a provider that appears twice on one call has
//   two rows), with the call time, campaign, role, normalised response, the upstream it named
//   and the provider it handed the call to. The provider is matched by key, name or any alias
//   as printed (case-insensitive).
// param: provider string required example="Falcon Gateway" -- provider key, name or alias
// param: since datetime default=null -- window start (inclusive, UTC); null: from the beginning
// param: until datetime default=null -- window end (exclusive, UTC); null: to the end
// returns: traceback_id, call_time, campaign, hop, role, response_category, upstream_key,
//   downstream_key
MATCH (p:Provider)
WHERE p.key = $provider OR toLower(p.name) = toLower($provider)
   OR any(a IN coalesce(p.aliases, []) WHERE toLower(a) = toLower($provider))
MATCH (t:Traceback)-[h:HOP]->(p)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
OPTIONAL MATCH (p)-[r:ROUTED {traceback_id: t.id, hop: h.hop - 1}]->(d:Provider)
RETURN t.id AS traceback_id,
       t.call_time AS call_time,
       t.campaign AS campaign,
       h.hop AS hop,
       h.role AS role,
       h.response_category AS response_category,
       h.upstream_key AS upstream_key,
       d.key AS downstream_key
ORDER BY call_time, traceback_id, hop
