-- wrk script: POST a different realistic complaint each time. The texts are the script's arguments (after --):
-- bench/intake_load.py passes its TEXTS.
local texts
function init(args) texts = args end  -- args[0] is the URL, the texts args[1] on
local counter = 0
request = function()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1] .. " #" .. counter .. "-" .. math.random(1, 1000000000)
  local body = '{"text":"' .. text .. '"}'
  return wrk.format("POST", "/api/v1/complaints", {["Content-Type"] = "application/json"}, body)
end
