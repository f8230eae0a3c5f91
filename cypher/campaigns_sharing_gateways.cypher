// name: campaigns_sharing_gateways
// question: Which campaigns came in through the same gateways?
// description: Pairs of campaigns whose tracebacks passed through the same provider in one hop
//   role: by default the gateway (the U.S. point of entry, which took the call from a foreign
//   provider). Each row lists the shared providers and each campaign's tracebacks through them.
//   Two scripts on one gateway may be one robocaller's, or a gateway that takes anyone's
//   traffic; role=originating asks the same of originating providers.
// param: role string default=gateway choices=gateway|intermediate|originating -- hop role that counts
// param: min_shared int default=1 range=1.. -- fewest shared providers to list a pair
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// returns: campaign_a, campaign_b, shared_providers, provider_keys, provider_names, tracebacks_a,
//   tracebacks_b
MATCH (t:Traceback)-[h:HOP]->(p:Provider)
WHERE h.role = $role
  AND ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
MATCH (t)-[:OF_CAMPAIGN]->(c:Campaign)
WITH p, c.name AS campaign, collect(DISTINCT t.id) AS ids
WITH p, collect({campaign: campaign, ids: ids}) AS uses
WHERE size(uses) >= 2
UNWIND uses AS a
UNWIND uses AS b
WITH p, a, b
WHERE a.campaign < b.campaign
WITH a.campaign AS campaign_a, b.campaign AS campaign_b, p, a.ids AS ids_a, b.ids AS ids_b
ORDER BY p.key
WITH campaign_a, campaign_b, collect(p.key) AS provider_keys, collect(p.name) AS provider_names,
     reduce(acc = [], x IN collect(ids_a) | acc + x) AS all_a,
     reduce(acc = [], x IN collect(ids_b) | acc + x) AS all_b
WHERE size(provider_keys) >= $min_shared
RETURN campaign_a,
       campaign_b,
       size(provider_keys) AS shared_providers,
       provider_keys,
       provider_names,
       COLLECT { UNWIND all_a AS id RETURN DISTINCT id ORDER BY id } AS tracebacks_a,
       COLLECT { UNWIND all_b AS id RETURN DISTINCT id ORDER BY id } AS tracebacks_b
ORDER BY shared_providers DESC, campaign_a, campaign_b
