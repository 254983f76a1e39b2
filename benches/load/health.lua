-- wrk script: /health through the same request path in the load generator
-- as reverse.lua and geocode.lua (a request taken from a list formatted in
-- init), so that a ratio of two routes compares the server's work, not the
-- load generator's.
local requests = {}
local i = 0
init = function(args)
  requests[1] = wrk.format("GET", "/health")
end
request = function()
  i = i % #requests + 1
  return requests[i]
end
