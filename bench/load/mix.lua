-- One kind of traffic for `make load` (bench/load.sh runs one wrk per kind, all at
-- once). Every request carries one of the signed-in sessions, in turn, so the load
-- comes from many users. Arguments after `--`: KIND [FIRST COUNT | TAG].
--   dashboard | list | child | audit        page views
--   edit FIRST COUNT                         language edits of children ids[FIRST..FIRST+COUNT)
--   create TAG                               new children load-TAG-N, one every 200 ms
--   bulk FIRST COUNT                         bulk jobs on ids[FIRST..FIRST+COUNT), deactivate
--                                            then activate in turn, one every 1.5 s
-- done() prints one JSON line: the kind, requests, non-2xx, socket errors, latency.

local cookies, ids = {}, {}
for line in io.lines(os.getenv("LOAD_COOKIES")) do cookies[#cookies + 1] = line end
for line in io.lines(os.getenv("LOAD_CHILD_IDS")) do ids[#ids + 1] = line end

local kind, first, count, tag
local n = 0
-- None a seeded child has, so every edit changes something (an edit that changes
-- nothing is refused, 422).
local languages = { "it", "pt", "nl", "sv", "pl" }

function init(args)
  kind = args[1]
  if kind == "edit" or kind == "bulk" then
    first, count = tonumber(args[2]), tonumber(args[3])
  elseif kind == "create" then
    tag = args[2]
  end
  math.randomseed(os.time() + (first or 0) + #(tag or ""))
end

local function form_key()
  local hex = {}
  for i = 1, 32 do hex[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(hex)
end

function request()
  n = n + 1
  local headers = { Cookie = cookies[(n % #cookies) + 1] }
  if kind == "dashboard" then
    return wrk.format("GET", "/", headers)
  elseif kind == "list" then
    return wrk.format("GET", "/children?size=50&page=" .. math.random(1, 20), headers)
  elseif kind == "child" then
    return wrk.format("GET", "/children/" .. ids[math.random(1, #ids)], headers)
  elseif kind == "audit" then
    return wrk.format("GET", "/audit", headers)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  if kind == "edit" then
    -- Round r edits every child of the range once, all to the r-th language.
    local id = ids[first + (n % count)]
    local language = languages[(math.floor(n / count) % #languages) + 1]
    return wrk.format("POST", "/api/children/update", headers,
      "account_id=" .. id .. "&changes%5Blanguage_code%5D=" .. language)
  end
  if kind == "bulk" then
    -- One job at a time per user: 1.5 s apart, each ends well before the next.
    local picked = {}
    for i = 0, count - 1 do picked[#picked + 1] = "selection%5Bids%5D%5B" .. i .. "%5D=" .. ids[first + i] end
    local action = (n % 2 == 1) and "deactivate" or "activate"
    return wrk.format("POST", "/api/children/bulk/" .. action, headers, table.concat(picked, "&"))
  end
  local name = "load-" .. tag .. "-" .. n
  return wrk.format("POST", "/api/children/create", headers,
    "child%5Baccount_name%5D=" .. name .. "&child%5Baccount_email%5D=" .. name .. "%40load.example"
      .. "&child%5Baccount_password%5D=Load%21pass1&form_key=" .. form_key())
end

function delay()
  if kind == "create" then return 200 end
  if kind == "bulk" then return 1500 end
  return 0
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"kind":"%s","requests":%d,"seconds":%.3f,"non_2xx":%d,"socket_errors":%d,'
      .. '"p50_ms":%.1f,"p95_ms":%.1f,"p99_ms":%.1f}\n',
    os.getenv("LOAD_KIND") or "?", summary.requests, summary.duration / 1e6, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
