// name: foreign_sources_by_gateway
// question: Which foreign providers fed each gateway, and from which countries did the calls come?
// description: For every hop where a provider played the gateway role in the window, the
//   foreign provider that handed it the call (one hop upstream). One row per gateway and
//   foreign source, with the source's country, the countries of every provider further up
//   those calls (origin_countries), the number of tracebacks, first and last call and the
//   traceback ids. One foreign source feeding two gateways is the classic sign of one
//   ecosystem.
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// returns: gateway_key, gateway_name, foreign_key, foreign_name, foreign_country,
//   origin_countries, tracebacks, first_seen, last_seen, traceback_ids
MATCH (t:Traceback)-[hg:HOP {role: 'gateway'}]->(g:Provider)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
// the hop above the gateway on the same traceback is the provider that handed it the call
MATCH (t)-[hf:HOP {hop: hg.hop + 1}]->(f:Provider)
WITH g, f, t, coalesce(hf.provider_country, f.country) AS foreign_country,
     COLLECT {
       MATCH (t)-[hx:HOP]->(x:Provider)
       WHERE hx.hop > hg.hop
       RETURN coalesce(hx.provider_country, x.country)
     } AS chain_countries
ORDER BY t.id
WITH g, f, foreign_country, collect(DISTINCT t.id) AS traceback_ids,
     min(t.call_time) AS first_seen, max(t.call_time) AS last_seen,
     collect(chain_countries) AS chains
RETURN g.key AS gateway_key,
       g.name AS gateway_name,
       f.key AS foreign_key,
       f.name AS foreign_name,
       foreign_country,
       COLLECT {
         UNWIND chains AS chain UNWIND chain AS country
         WITH DISTINCT country WHERE country IS NOT NULL
         RETURN country ORDER BY country
       } AS origin_countries,
       size(traceback_ids) AS tracebacks,
       first_seen,
       last_seen,
       traceback_ids
ORDER BY gateway_key, tracebacks DESC, foreign_key
