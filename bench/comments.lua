-- comments.lua - wrk script for `make bench`: a realistic stream of comments.
--
-- Each request POSTs one new comment to /v1/sites/<site>/comments over the
-- keep-alive connection wrk holds. The mix, drawn per request:
--   70% ham: 100-1,000 bytes of sentences about one of the registered
--       articles (bench/articles.json), by one of 500,000 readers;
--   20% spam, four kinds in turn: links, self-promotion, contact info,
--       repetition, by one of 500 spammers, numbers varied per request;
--   10% exact duplicates of 20 fixed texts (reposts by other readers).
-- Every comment id is unique (run tag + wrk thread + counter), so modq's
-- idempotency look-up never short-circuits the analysis.
--
-- Arguments (after `--`): site (or sites, comma-separated: the requests go
-- to each in turn), API key, run tag. At the end one line
-- "BENCH key=value ..." gives the figures run.sh parses (latencies in us).
-- The article ids and topics below must match bench/articles.json.

local site, key, tag = "bench", "", "r0"
local counter = 0
local paths, headers = {}, nil
local pool = {}      -- article index -> pre-built ham sentences
local dups = {}      -- {ai, text} reposted as exact duplicates

local POOL_SENTENCES = 400  -- per article and thread: combinations stay unique
local HAM_MIN, HAM_MAX = 100, 1000
local DUP_TEXTS = 20
local READERS, SPAMMERS = 500000, 500

local ARTICLES = {
  { id = "bike-lanes",
    subjects = { "the new bicycle lanes", "the protected lane on Main Street",
      "the council vote on Tuesday", "the loss of parking spaces", "construction in spring",
      "deliveries to the shops", "cycling to work", "the junction near the station",
      "the budget for the lanes", "safety for children on bikes" },
    details = { "I cycle along Main Street every morning and the traffic is frightening.",
      "The shop owners on Main Street deserve a delivery plan before construction starts.",
      "Parking was already hard to find near the bakery, so this will hurt some shops.",
      "My kids could finally ride to school if the lanes are really protected.",
      "Other cities built protected lanes and the local shops did fine afterwards." } },
  { id = "heat-wave",
    subjects = { "the heat warning", "the cooling centres", "the water restrictions",
      "the forecast for the weekend", "older neighbours living alone", "the public pools",
      "working outside in this heat", "the emergency plan", "trees in the city centre",
      "the electricity grid" },
    details = { "The cooling centre at the library was full by noon yesterday.",
      "Please check on elderly neighbours, the heat is dangerous for them.",
      "Forty degrees in June used to be unthinkable here.",
      "The city should plant more trees, the streets without shade are unbearable.",
      "Our building has no air conditioning and nights are the worst part." } },
  { id = "school-budget",
    subjects = { "the school budget", "the cuts to music classes", "teacher salaries",
      "the new science labs", "class sizes", "the school board meeting",
      "the property tax increase", "after-school programmes", "the bus routes",
      "the library hours" },
    details = { "My daughter's class already has thirty-two pupils in it.",
      "Cutting music classes saves very little money compared to the transport budget.",
      "The board meeting ran until midnight and parents barely got to speak.",
      "Teachers in our district earn less than in every neighbouring town.",
      "The science labs are twenty years old and the equipment barely works." } },
  { id = "stadium-vote",
    subjects = { "the stadium proposal", "the public funding", "traffic on match days",
      "the riverside site", "the jobs promised", "the referendum",
      "the club owners", "ticket prices", "the old stadium", "the neighbourhood plan" },
    details = { "Public money for a private club is a bad deal for taxpayers.",
      "Match day traffic already blocks the bridge for two hours.",
      "The riverside site floods almost every spring.",
      "The jobs promised for the last stadium never appeared.",
      "I have held a season ticket for fifteen years and prices keep rising." } },
}

local OPENERS = { "I think", "Honestly,", "In my experience", "My neighbours agree that",
  "As someone who lives nearby, I find that", "Frankly,", "It seems to me that",
  "After reading this, I believe", "Like many people here, I feel", "To be fair," }
local PREDICATES = { "is long overdue", "will change the neighbourhood",
  "deserves more attention", "was handled badly", "makes a lot of sense",
  "needs a clearer plan", "could cost more than expected", "was explained well here",
  "is being discussed far too late", "matters more than the article suggests" }
local CLOSERS = { "", " for families", " in the long run", " if you ask me",
  " this year", " for everyone who lives here", " compared to last summer",
  " given what happened before" }

local SPAM_LINKS = { "http://cheap-watches-%d.example/buy", "http://bit.ly/x%d",
  "https://best-deals-%d.example/offer?ref=%d", "http://pills-%d.example/order" }
local SPAM_PROMO = {
  "CHECK OUT MY CHANNEL!!! I post crypto tips every day, I made $%d last week working from home. Subscribe and click my profile now!!!",
  "Great post! I earn $%d a month with my online business, visit my profile to learn the secret, limited spots!!!",
  "Want more followers? I grew my page to %d followers in a week, message me for the package, best price guaranteed!" }
local SPAM_CONTACT = {
  "Need a loan fast? Call +1 555 %03d %04d or WhatsApp me today, approval in one hour.",
  "Cheap flights and hotels, email me at deals%d@mail.example or call 0800 %06d for the best rates.",
  "Work from home and earn money, contact my agent on telegram @easycash%d or phone +44 7700 %06d." }
local SPAM_REPEAT = { "buy now", "amazing deal", "free money", "click here", "best price" }

local function pick(t) return t[math.random(#t)] end

local function sentence(a)
  if math.random(4) == 1 then return pick(a.details) end
  local s = pick(OPENERS) .. " " .. pick(a.subjects) .. " " .. pick(PREDICATES) .. pick(CLOSERS) .. "."
  if math.random(3) == 1 then
    s = s .. string.format(" I have lived here for %d years.", math.random(2, 40))
  end
  return s
end

local function ham(ai)
  local target = math.random(HAM_MIN, HAM_MAX)
  local parts, len, sp = {}, 0, pool[ai]
  while len < target do
    local s = sp[math.random(#sp)]
    parts[#parts + 1] = s
    len = len + #s + 1
  end
  local text = table.concat(parts, " ")
  if #text > HAM_MAX then
    text = text:sub(1, HAM_MAX):gsub("%s+%S*$", "") .. "."
  end
  return text
end

local function spam(kind)
  if kind == 0 then
    local n = math.random(1000)
    return string.format("Great article about this! Visit " .. pick(SPAM_LINKS) .. " and " ..
      pick(SPAM_LINKS) .. " for the best prices, also " .. pick(SPAM_LINKS) .. " today.",
      n, n, n + 1, n, n + 2, n)
  elseif kind == 1 then
    return string.format(pick(SPAM_PROMO), math.random(500, 90000))
  elseif kind == 2 then
    return string.format(pick(SPAM_CONTACT), math.random(999), math.random(999999))
  end
  local phrase, parts = pick(SPAM_REPEAT), {}
  for i = 1, math.random(8, 30) do parts[i] = phrase end
  return table.concat(parts, " ") .. "!!!"
end

local function json_str(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function setup(thread)
  setup_n = (setup_n or 0) + 1
  thread:set("tid", setup_n)
end

function init(args)
  site = args[1] or site
  key = args[2] or key
  tag = args[3] or tag
  for one in string.gmatch(site, "[^,]+") do
    paths[#paths + 1] = "/v1/sites/" .. one .. "/comments"
  end
  headers = { ["Content-Type"] = "application/json",
              ["Authorization"] = "Bearer " .. key }
  -- fixed seed: every thread and run reposts the same duplicate texts
  math.randomseed(7)
  for i = 1, DUP_TEXTS do
    local ai = (i % #ARTICLES) + 1
    dups[i] = { ai = ai, text = sentence(ARTICLES[ai]) .. " " .. sentence(ARTICLES[ai]) }
  end
  local seed = (tid or 1) * 7919
  for i = 1, #tag do seed = seed * 31 + tag:byte(i) end
  math.randomseed(seed % 2147483647)
  for ai, a in ipairs(ARTICLES) do
    local sp = {}
    for i = 1, POOL_SENTENCES do sp[i] = sentence(a) end
    pool[ai] = sp
  end
end

function request()
  counter = counter + 1
  local id = string.format("%s-%d-%d", tag, tid or 1, counter)
  local ai = math.random(#ARTICLES)
  local roll = math.random(100)
  local text, author
  if roll <= 70 then
    text, author = ham(ai), math.random(READERS)
  elseif roll <= 90 then
    text, author = spam(counter % 4), READERS + math.random(SPAMMERS)
  else
    local d = dups[math.random(DUP_TEXTS)]
    ai, text, author = d.ai, d.text, math.random(READERS)
  end
  local email = ""
  if author % 2 == 0 then
    email = string.format(',"email":"reader%d@mail.example"', author)
  end
  local body = string.format(
    '{"id":"%s","article_id":"%s","text":%s,"author":{"name":"reader%d"%s,' ..
    '"ip":"10.%d.%d.%d","user_agent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}}',
    id, ARTICLES[ai].id, json_str(text), author, email,
    math.floor(author / 65536) % 256, math.floor(author / 256) % 256, author % 256)
  return wrk.format("POST", paths[counter % #paths + 1], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d " ..
    "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
