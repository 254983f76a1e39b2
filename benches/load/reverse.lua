-- wrk script: /reverse at random points over 宁波市 (where the demo has door
-- plates and roads), fixed seed.
math.randomseed(20261122)
request = function()
  local lon = 121.0 + math.random() * 1.2
  local lat = 29.2 + math.random() * 0.9
  return wrk.format("GET", string.format("/reverse?lon=%.6f&lat=%.6f", lon, lat))
end
