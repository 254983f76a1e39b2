-- wrk script: cycle through a fixed tile list, GET PREFIX .. "z/x/y" .. SUFFIX.
--
--   wrk ... -s benches/tiles/cycle.lua URL -- LIST PATH_PREFIX [SUFFIX] [gzip] [statuses]
--
-- LIST        file with one `z/x/y` a line (benches/tiles/tile-list.py)
-- PATH_PREFIX path part of the URL prefix, ending in "/" (e.g. "/counties/")
-- SUFFIX      appended to every path ("" for none, e.g. ".mvt")
-- gzip        "gzip" to send Accept-Encoding: gzip, anything else for none
-- statuses    "statuses" to count responses by status (adds a Lua call per response)
--
-- Each thread walks the whole list in order, starting at its own offset, and
-- wraps around. Used by benches/tiles/load.sh. Not run in CI.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local paths = {}
local headers = {}
local i = 0
local counting = false
statuses = {}

function init(args)
   local list, prefix, suffix = args[1], args[2] or "/", args[3] or ""
   if list == nil then
      error("cycle.lua: missing tile list file argument")
   end
   for line in io.lines(list) do
      line = line:gsub("%s+$", "")
      if line ~= "" then
         paths[#paths + 1] = prefix .. line .. suffix
      end
   end
   if #paths == 0 then
      error("cycle.lua: empty tile list " .. list)
   end
   if args[4] == "gzip" then
      headers["Accept-Encoding"] = "gzip"
   end
   counting = args[5] == "statuses"
   if not counting then
      response = nil -- wrk skips the Lua call when no response() is defined
   end
   -- spread the threads over the list so they do not request the same tile at once
   i = (id * math.floor(#paths / 7 + 1)) % #paths
end

function request()
   i = i + 1
   if i > #paths then
      i = 1
   end
   return wrk.format("GET", paths[i], headers)
end

function response(status, hdrs, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   local any = false
   for _, t in ipairs(threads) do
      local s = t:get("statuses")
      if s then
         for k, v in pairs(s) do
            total[k] = (total[k] or 0) + v
            any = true
         end
      end
   end
   if any then
      local keys = {}
      for k in pairs(total) do keys[#keys + 1] = k end
      table.sort(keys)
      for _, k in ipairs(keys) do
         io.write(string.format("status %d: %d\n", k, total[k]))
      end
   end
end
