-- wrk script: POST a different realistic complaint each time.
local texts = {
  "Obat di puskesmas Aikmel kosong sudah dua minggu",
  "Jalan rusak parah dan berlubang di Selong, mohon diperbaiki",
  "Banjir bandang di Bima, rumah warga terendam",
  "Bantuan sosial PKH belum cair di Praya",
  "Ada pungli di kantor desa untuk urus KTP",
  "Saya mau bertanya tentang jadwal pelayanan",
}
local counter = 0
request = function()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1] .. " #" .. counter .. "-" .. math.random(1, 1000000000)
  local body = '{"text":"' .. text .. '"}'
  return wrk.format("POST", "/api/v1/complaints", {["Content-Type"] = "application/json"}, body)
end
