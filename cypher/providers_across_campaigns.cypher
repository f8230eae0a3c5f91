// name: providers_across_campaigns
// question: Which providers carried several campaigns?
// description: Providers on the tracebacks of at least min_campaigns distinct campaigns in the
//   window, with the campaigns' names, the number of tracebacks and their ids. A provider that
//   carries many unrelated campaigns is a shared piece of the robocallers' infrastructure; a
//   large carrier will show up here too, so read it with the provider's role and ecosystem.
// param: min_campaigns int default=2 -- fewest distinct campaigns to list a provider
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// returns: provider_key, provider_name, campaigns, campaign_names, tracebacks, traceback_ids
MATCH (t:Traceback)-[:OF_CAMPAIGN]->(c:Campaign)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
MATCH (t)-[:HOP]->(p:Provider)
WITH p, c, t
ORDER BY c.name, t.id
WITH p, collect(DISTINCT c.name) AS campaign_names, collect(DISTINCT t.id) AS ids
WHERE size(campaign_names) >= $min_campaigns
WITH p, campaign_names, ids
UNWIND ids AS id
WITH p, campaign_names, id
ORDER BY id
WITH p, campaign_names, collect(id) AS traceback_ids
RETURN p.key AS provider_key,
       p.name AS provider_name,
       size(campaign_names) AS campaigns,
       campaign_names,
       size(traceback_ids) AS tracebacks,
       traceback_ids
ORDER BY campaigns DESC, tracebacks DESC, provider_key
