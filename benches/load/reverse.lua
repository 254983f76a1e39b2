-- wrk script: /reverse at random points over 宁波市 (where the demo has door
-- plates and roads), fixed seed. The requests are formatted once, in
-- init, so that the load generator spends its time on the wire rather than
-- in Lua string building (it shares the machine with the server).
local requests = {}
local i = 0
init = function(args)
  math.randomseed(20261122)
  for n = 1, 10000 do
    local lon = 121.0 + math.random() * 1.2
    local lat = 29.2 + math.random() * 0.9
    requests[n] = wrk.format("GET", string.format("/reverse?lon=%.6f&lat=%.6f", lon, lat))
  end
end
request = function()
  i = i % #requests + 1
  return requests[i]
end
