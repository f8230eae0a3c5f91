// name: shortest_connection
// question: What is the shortest call-flow connection between two providers?
// description: The shortest chain of provider-to-provider traffic (aggregated SENDS_TO edges)
//   joining two providers, one row per step. By default the chain may follow traffic in
//   either direction, which also finds two providers fed by a common source (A <- X -> B);
//   with directed=true it only follows calls flowing from the first provider towards the
//   second. direction says, per step, whether the call flowed from from_key to to_key
//   (forward) or the other way (backward). When several chains are equally short, the one
//   carried by the most tracebacks (summed over its steps) wins, then the one whose provider
//   keys sort first, so the answer is repeatable. No rows: not connected within max_hops.
// param: from_provider string required example="Falcon Gateway" -- provider key, name or alias
// param: to_provider string required example="Granite Gateway" -- provider key, name or alias
// param: max_hops int default=6 range=1..8 -- longest chain to consider
// param: directed bool default=false -- only follow calls flowing from from_provider to to_provider
// returns: step, from_key, from_name, to_key, to_name, direction, tracebacks, first_seen,
//   last_seen
MATCH (a:Provider)
WHERE a.key = $from_provider OR toLower(a.name) = toLower($from_provider)
   OR any(x IN coalesce(a.aliases, []) WHERE toLower(x) = toLower($from_provider))
MATCH (b:Provider)
WHERE b <> a AND (b.key = $to_provider OR toLower(b.name) = toLower($to_provider)
   OR any(x IN coalesce(b.aliases, []) WHERE toLower(x) = toLower($to_provider)))
CALL (a, b) {
  WITH a, b WHERE $directed
  MATCH path = allShortestPaths((a)-[:SENDS_TO*1..8]->(b))
  RETURN path
  UNION
  WITH a, b WHERE NOT $directed
  MATCH path = allShortestPaths((a)-[:SENDS_TO*1..8]-(b))
  RETURN path
}
WITH path WHERE length(path) <= $max_hops
WITH path,
     reduce(total = 0, s IN relationships(path) | total + s.tracebacks) AS weight,
     [n IN nodes(path) | n.key] AS keys,
     [s IN relationships(path) | startNode(s).key] AS senders
ORDER BY length(path), weight DESC, keys, senders
LIMIT 1
UNWIND range(0, length(path) - 1) AS i
WITH i, nodes(path)[i] AS x, nodes(path)[i + 1] AS y, relationships(path)[i] AS s
RETURN i + 1 AS step,
       x.key AS from_key,
       x.name AS from_name,
       y.key AS to_key,
       y.name AS to_name,
       CASE WHEN startNode(s) = x THEN 'forward' ELSE 'backward' END AS direction,
       s.tracebacks AS tracebacks,
       s.first_seen AS first_seen,
       s.last_seen AS last_seen
ORDER BY step
