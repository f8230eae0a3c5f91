// name: traceback_path
// question: What is the full path of a traceback, hop by hop?
// description: One row per hop of the traceback, from the terminating provider (hop 0) up to
//   the last provider that answered, with the role it played on this call, its raw and
//   normalised response, the STIR/SHAKEN attestation seen at that hop, its country, the
//   upstream it named and the customer it identified. The provider name is as printed in the
//   traceback source, and source_hop is the hop number as printed there (hop counts from 0 at
//   the terminating provider; a file numbered from 1 prints 1 for it).
// param: traceback_id string required example="TB-0001" -- the traceback id
// returns: hop, provider_key, provider_name, role, response, response_category, attestation,
//   country, upstream_key, customer, call_time, campaign, source_hop
MATCH (t:Traceback {id: $traceback_id})-[h:HOP]->(p:Provider)
RETURN h.hop AS hop,
       p.key AS provider_key,
       coalesce(h.provider_name, p.name) AS provider_name,
       h.role AS role,
       h.response AS response,
       h.response_category AS response_category,
       h.attestation AS attestation,
       coalesce(h.provider_country, p.country) AS country,
       h.upstream_key AS upstream_key,
       h.customer AS customer,
       t.call_time AS call_time,
       t.campaign AS campaign,
       coalesce(h.source_hop, h.hop) AS source_hop
ORDER BY hop
