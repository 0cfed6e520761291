-- A different catalog search at every request (bench/search's "mix" rows): one or two of the bench
-- catalog's common words (CatalogSeed: each in 3-33 % of the rows), pages 1-10 of 20, so neither the
-- product service's answer cache nor any cache of the engine turns the load into one repeated query.
-- Against the product service (GET /products?q=...), or, when the URL's path ends in /_search,
-- straight to OpenSearch with the body the service sends for the same query (IndexedSearch.body).
--   wrk -s bench/wrk/search-mix.lua http://127.0.0.1:8005/products
--   wrk -s bench/wrk/search-mix.lua http://127.0.0.1:9200/kedai-products/_search
local words = {"kopi", "batik", "rendang", "rotan", "sambal", "teh", "keripik", "kain", "lampu", "sabun",
               "gayo", "toraja", "jawa", "bali", "padang", "solo", "coffee", "woven", "premium", "jasmine",
               "bamboo", "tea", "lamp", "basket", "spicy", "quality", "value", "pack", "limited", "edition"}
local engine = false

function init(args)
    -- each wrk thread has its own Lua state: seed each differently
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
    engine = wrk.path:match("/_search$") ~= nil
end

function request()
    local q = words[math.random(#words)]
    if math.random(2) == 1 then
        q = q .. " " .. words[math.random(#words)]
    end
    local page = math.random(10)
    if engine then
        local body = string.format('{"from":%d,"size":20,"query":{"bool":{"filter":[{"term":{"active":true}}],'
            .. '"must":[{"multi_match":{"query":"%s","type":"most_fields",'
            .. '"fields":["name.id^2","name.en^2","description.id","description.en"]}}]}},"sort":[{"_score":"desc"}]}',
            (page - 1) * 20, q)
        return wrk.format("POST", wrk.path, {["Content-Type"] = "application/json"}, body)
    end
    local encoded = q:gsub(" ", "%%20")
    return wrk.format("GET", "/products?q=" .. encoded .. "&size=20&page=" .. page)
end
