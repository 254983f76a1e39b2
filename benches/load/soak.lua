-- wrk script of the soak benchmark (scripts/bench-soak.sh): rotates over a
-- list of read requests, one a line as "FLAGS PATH" (written by
-- benches/load/soak.py): flag a sends the token given as the
-- second argument, g asks for gzip, - neither. Each thread starts at its
-- own place in the list. The requests are formatted once, in init (see
-- reverse.lua).
-- Usage: wrk … -s benches/load/soak.lua URL -- LIST TOKEN
local requests = {}
local i = 0
local threads = 0

setup = function(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

init = function(args)
  local token = args[2]
  for line in io.lines(args[1]) do
    local flags, path = line:match("^(%S+) (.+)$")
    if path then
      local headers = {}
      if flags:find("a", 1, true) then
        headers["Authorization"] = "Bearer " .. token
      end
      if flags:find("g", 1, true) then
        headers["Accept-Encoding"] = "gzip"
      end
      requests[#requests + 1] = wrk.format("GET", path, headers)
    end
  end
  -- Threads do not share state: start each at a different place.
  i = ((offset or 0) * 7919) % #requests
end

request = function()
  i = i % #requests + 1
  return requests[i]
end
