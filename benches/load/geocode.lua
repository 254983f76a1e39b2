-- wrk script: /geocode over a fixed list of addresses (one URL-encoded
-- address a line, written by scripts/bench-geocode.sh), in file order. The
-- requests are formatted once, in init (see reverse.lua).
local requests = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("GET", "/geocode?limit=1&q=" .. line)
  end
end
request = function()
  i = i % #requests + 1
  return requests[i]
end
