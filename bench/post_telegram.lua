-- wrk script: POST realistic Telegram updates, each with its own update id, message id and chat. The texts are
-- the script's arguments (after --): bench/intake_load.py passes its TEXTS.
local texts
function init(args) texts = args end  -- args[0] is the URL, the texts args[1] on
local counter = 0
-- Each wrk run (warm-up, measurement) starts from its own second, so no update id repeats.
local base = os.time() * 100000
request = function()
  counter = counter + 1
  -- Lua numbers are doubles: format them as integers, never as 1.7e+14.
  local id = string.format("%.0f", base + counter)
  local chat = string.format("%d", 100000 + (counter % 50000))
  local text = texts[(counter % #texts) + 1] .. " #" .. id
  local body = '{"update_id":' .. id .. ',"message":{"message_id":' .. id ..
    ',"date":1767225600,"text":"' .. text .. '","from":{"id":' .. chat ..
    ',"is_bot":false,"first_name":"Warga","language_code":"id"},"chat":{"id":' .. chat ..
    ',"type":"private","first_name":"Warga"}}}'
  return wrk.format("POST", "/webhooks/telegram", {["Content-Type"] = "application/json",
    ["X-Telegram-Bot-Api-Secret-Token"] = "bench-secret"}, body)
end
