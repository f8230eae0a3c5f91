// name: ecosystem_members
// question: Which providers belong to an ecosystem, in which roles, and on which campaigns?
// description: Uses the ecosystem ids written back by 'graphengine analyze --write-back'
//   (Provider.ecosystem; 1 is the largest ecosystem). One row per member and role it played
//   on traced calls, with the number of tracebacks in that role, the campaigns of those
//   calls and the first and last call. A member with no traced hop has one row with an empty
//   role and zero tracebacks.
// param: ecosystem int required range=1.. example=1 -- ecosystem id from the analysis
// returns: provider_key, provider_name, role, tracebacks, campaigns, first_seen, last_seen
MATCH (p:Provider {ecosystem: $ecosystem})
OPTIONAL MATCH (t:Traceback)-[h:HOP]->(p)
WITH p, h.role AS role, t
ORDER BY t.id
WITH p, role, count(DISTINCT t) AS tracebacks,
     collect(DISTINCT t.campaign) AS campaigns,
     min(t.call_time) AS first_seen, max(t.call_time) AS last_seen
RETURN p.key AS provider_key,
       p.name AS provider_name,
       role,
       tracebacks,
       COLLECT { UNWIND campaigns AS c RETURN c ORDER BY c } AS campaigns,
       first_seen,
       last_seen
ORDER BY provider_key, role
