-- wrk script: /geocode over a fixed list of addresses (one URL-encoded
-- address a line, written by scripts/bench-geocode.sh), in file order.
local queries = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do
    queries[#queries + 1] = "/geocode?limit=1&q=" .. line
  end
end
request = function()
  i = i % #queries + 1
  return wrk.format("GET", queries[i])
end
