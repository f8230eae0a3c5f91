// name: non_responsive_providers
// question: Which providers failed to cooperate with tracebacks, how often, and when last?
// description: Counts the non-cooperation events observed at each provider's hops in the
//   window: no response, records not found, and insufficient records (the normalised response
//   categories). One row per provider with the count of each kind, the first and last
//   occurrence and the traceback ids. Thresholds for calling a provider "non-cooperative" are
//   a finding, not a fact; this query lists the observable events behind it.
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// param: min_events int default=1 range=1.. -- leave out providers with fewer events
// returns: provider_key, provider_name, events, no_response, records_not_found,
//   insufficient_records, first_occurrence, last_occurrence, traceback_ids
MATCH (t:Traceback)-[h:HOP]->(p:Provider)
WHERE h.response_category IN ['no_response', 'records_not_found', 'insufficient_records']
  AND ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
WITH p, h, t
ORDER BY t.id
WITH p, count(*) AS events,
     sum(CASE h.response_category WHEN 'no_response' THEN 1 ELSE 0 END) AS no_response,
     sum(CASE h.response_category WHEN 'records_not_found' THEN 1 ELSE 0 END) AS records_not_found,
     sum(CASE h.response_category WHEN 'insufficient_records' THEN 1 ELSE 0 END)
       AS insufficient_records,
     min(t.call_time) AS first_occurrence, max(t.call_time) AS last_occurrence,
     collect(DISTINCT t.id) AS traceback_ids
WHERE events >= $min_events
RETURN p.key AS provider_key,
       p.name AS provider_name,
       events,
       no_response,
       records_not_found,
       insufficient_records,
       first_occurrence,
       last_occurrence,
       traceback_ids
ORDER BY events DESC, last_occurrence DESC, provider_key
