-- ipmsg.lua: Wireshark dissector for IP Messenger (UDP/TCP 2425): header, command and option names, body sections.
--
-- Use:   wireshark -X lua_script:ipmsg.lua          (or copy it to ~/.local/lib/wireshark/plugins/)
--        tshark -X lua_script:ipmsg.lua -r trace.pcap -Y ipmsg
-- Fields: ipmsg.version ipmsg.packetno ipmsg.user ipmsg.host ipmsg.command ipmsg.mode ipmsg.command_name
--         ipmsg.options ipmsg.body ipmsg.nick ipmsg.group ipmsg.ref_packetno ipmsg.list_next ipmsg.list_count
--         ipmsg.capa (GETPUBKEY/ANSPUBKEY) ipmsg.encrypted_capa ipmsg.key_bits ipmsg.signed ipmsg.decrypt_err
--         ipmsg.files ipmsg.file_packetno ipmsg.file_id ipmsg.file_offset (GETFILEDATA/GETDIRFILES)
--         ipmsg.xfer ipmsg.xfer_bytes ipmsg.xfer_expected ipmsg.xfer_idle (a transfer that stalled or
--         ended short, on its request frame; tshark needs -2, see the end of this file)
-- Names are shown in UTF-8 like camtrace sniff shows them: UTF8OPT means UTF-8; otherwise UTF-8 when
-- the bytes are valid UTF-8 (iptux, g2ipmsg), else CP932 through ipmsg-cp932.lua (a generated table,
-- kept next to this file; without it CP932 bytes are shown as \xNN escapes); in entry packets the
-- UTF-8 block (\nUN: \nHN: \nNN: \nGN:) wins over the legacy fields, as in camtrace's entry.c.
-- The grammar follows the camtrace protocol notes: "ver:packetno:user:host:command:body", numbers in the
-- header are decimal, the low 8 bits of the command are the mode, the high 24 bits are options whose
-- meaning depends on the mode.

local ipmsg = Proto("ipmsg", "IP Messenger")

-- ---- charsets ------------------------------------------------------------------------------
local cp932
do
	local src = debug.getinfo(1, "S").source
	local dir = string.match(src, "^@(.*[/\\])") or ""
	local ok, t = pcall(dofile, dir .. "ipmsg-cp932.lua")
	if ok and type(t) == "table" then cp932 = t end
end

local function u8(cp)
	if cp < 0x80 then return string.char(cp) end
	if cp < 0x800 then return string.char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64) end
	return string.char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
end

local function esc(b) return string.format("\\x%02x", b) end

-- True when s is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
local function utf8_valid(s)
	local i, n = 1, #s
	while i <= n do
		local b = s:byte(i)
		local need, min
		if b < 0x80 then need = 0
		elseif b >= 0xC2 and b <= 0xDF then need, min = 1, 0x80
		elseif b >= 0xE0 and b <= 0xEF then need, min = 2, 0x800
		elseif b >= 0xF0 and b <= 0xF4 then need, min = 3, 0x10000
		else return false end
		if need > 0 then
			if i + need > n then return false end
			local cp = b % (2 ^ (6 - need))
			for k = 1, need do
				local c = s:byte(i + k)
				if c < 0x80 or c > 0xBF then return false end
				cp = cp * 64 + c % 64
			end
			if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return false end
		end
		i = i + need + 1
	end
	return true
end

local function is_ascii(s) return not string.find(s, "[\128-\255]") end

-- CP932 to UTF-8; bytes that are not CP932 become \xNN (camtrace's charset.c does the same).
local function from_cp932(s)
	if is_ascii(s) then return s end
	local out, i, n = {}, 1, #s
	while i <= n do
		local b = s:byte(i)
		if b < 0x80 then
			out[#out + 1] = string.char(b)
			i = i + 1
		elseif b >= 0xA1 and b <= 0xDF then
			out[#out + 1] = u8(0xFF61 + b - 0xA1)
			i = i + 1
		else
			local row, t = cp932 and cp932[b], s:byte(i + 1)
			local cp = row and t and t >= 0x40 and t <= 0xFC and tonumber(string.sub(row, (t - 0x40) * 4 + 1, (t - 0x40) * 4 + 4), 16)
			if cp and cp ~= 0 then
				out[#out + 1] = u8(cp)
				i = i + 2
			else
				out[#out + 1] = esc(b)
				i = i + 1
			end
		end
	end
	return table.concat(out)
end

-- UTF-8 as received, invalid bytes escaped.
local function from_utf8(s)
	if utf8_valid(s) then return s end
	return (string.gsub(s, "[\128-\255]", function(c) return esc(c:byte()) end))
end

local function decode(s, utf8) if utf8 then return from_utf8(s) else return from_cp932(s) end end

local f = {
	version = ProtoField.string("ipmsg.version", "Version"),
	packetno = ProtoField.uint32("ipmsg.packetno", "Packet number"),
	user = ProtoField.string("ipmsg.user", "User"),
	host = ProtoField.string("ipmsg.host", "Host"),
	command = ProtoField.uint32("ipmsg.command", "Command", base.HEX),
	mode = ProtoField.uint8("ipmsg.mode", "Mode", base.HEX),
	command_name = ProtoField.string("ipmsg.command_name", "Command name"),
	options = ProtoField.string("ipmsg.options", "Options"),
	body = ProtoField.bytes("ipmsg.body", "Body"),
	text = ProtoField.string("ipmsg.text", "Text"),
	nick = ProtoField.string("ipmsg.nick", "Nickname"),
	group = ProtoField.string("ipmsg.group", "Group"),
	extra = ProtoField.bytes("ipmsg.extra", "Further sections"),
	ref = ProtoField.uint32("ipmsg.ref_packetno", "Answers packet number"),
	list_next = ProtoField.uint32("ipmsg.list_next", "List next index"),
	list_count = ProtoField.uint32("ipmsg.list_count", "List entries in packet"),
	malformed = ProtoField.string("ipmsg.malformed", "Malformed"),
	capa = ProtoField.uint32("ipmsg.capa", "Crypto capability", base.HEX),
	encrypted_capa = ProtoField.uint32("ipmsg.encrypted_capa", "Encrypted with capability", base.HEX),
	key_bits = ProtoField.uint32("ipmsg.key_bits", "RSA key bits"),
	signed = ProtoField.bool("ipmsg.signed", "Signed"),
	decrypt_err = ProtoField.bool("ipmsg.decrypt_err", "AutoReply(DecryptErr): the receiver could not decrypt"),
	files = ProtoField.uint32("ipmsg.files", "Attached files"),
	file_packetno = ProtoField.uint32("ipmsg.file_packetno", "File offered in packet number"),
	file_id = ProtoField.uint32("ipmsg.file_id", "File ID"),
	file_offset = ProtoField.uint64("ipmsg.file_offset", "File offset"),
}
ipmsg.fields = { f.version, f.packetno, f.user, f.host, f.command, f.mode, f.command_name, f.options,
	f.body, f.text, f.nick, f.group, f.extra, f.ref, f.list_next, f.list_count, f.malformed, f.capa,
	f.encrypted_capa, f.key_bits, f.signed, f.decrypt_err, f.files, f.file_packetno, f.file_id, f.file_offset }

local modes = {
	[0x00] = "NOOPERATION", [0x01] = "BR_ENTRY", [0x02] = "BR_EXIT", [0x03] = "ANSENTRY",
	[0x04] = "BR_ABSENCE", [0x10] = "BR_ISGETLIST", [0x11] = "OKGETLIST", [0x12] = "GETLIST",
	[0x13] = "ANSLIST", [0x14] = "ANSLIST_DICT", [0x18] = "BR_ISGETLIST2", [0x20] = "SENDMSG",
	[0x21] = "RECVMSG", [0x30] = "READMSG", [0x31] = "DELMSG", [0x32] = "ANSREADMSG",
	[0x40] = "GETINFO", [0x41] = "SENDINFO", [0x50] = "GETABSENCEINFO", [0x51] = "SENDABSENCEINFO",
	[0x60] = "GETFILEDATA", [0x61] = "RELEASEFILES", [0x62] = "GETDIRFILES", [0x63] = "DIRFILES_AUTH",
	[0x64] = "DIRFILES_AUTHRET", [0x72] = "GETPUBKEY", [0x73] = "ANSPUBKEY", [0xa0] = "AGENT_REQ",
	[0xa1] = "AGENT_ANSREQ", [0xa2] = "AGENT_PACKET", [0xa3] = "AGENT_PROXYREQ", [0xb0] = "DIR_POLL",
	[0xb1] = "DIR_POLLAGENT", [0xb2] = "DIR_BROADCAST", [0xb3] = "DIR_ANSBROAD", [0xb4] = "DIR_PACKET",
	[0xb5] = "DIR_REQUEST", [0xb6] = "DIR_AGENTPACKET", [0xb7] = "DIR_EVBROAD", [0xb8] = "DIR_AGENTREJECT",
	[0xfb] = "IPTUX_SENDMSG", [0xfc] = "IPTUX_SEND_SIGN", [0xfd] = "IPTUX_SENDSUBLAYER",
	[0xfe] = "IPTUX_SENDICON", [0xff] = "IPTUX_ASKSHARED",
}

-- option bits by class: entry/host status, send, file requests
local entry_opts = {
	{ 0x00000100, "ABSENCEOPT" }, { 0x00000200, "SERVEROPT" }, { 0x00001000, "CAPFILEENC_OBSLT" },
	{ 0x00010000, "DIALUPOPT" }, { 0x00040000, "CAPFILEENCOPT" }, { 0x00200000, "FILEATTACHOPT" },
	{ 0x00400000, "ENCRYPTOPT" }, { 0x00800000, "UTF8OPT" }, { 0x01000000, "CAPUTF8OPT" },
	{ 0x02000000, "CAPIPDICTOPT" }, { 0x04000000, "ENCEXTMSGOPT" }, { 0x08000000, "CLIPBOARDOPT" },
	{ 0x10000000, "DIR_MASTER" }, { 0x20000000, "FLAG_RESV1" }, { 0x40000000, "FLAG_RESV2" },
}
local send_opts = {
	{ 0x00000100, "SENDCHECKOPT" }, { 0x00000200, "SECRETOPT" }, { 0x00000400, "BROADCASTOPT" },
	{ 0x00000800, "MULTICASTOPT" }, { 0x00001000, "NOPOPUPOPT" }, { 0x00002000, "AUTORETOPT" },
	{ 0x00004000, "RETRYOPT" }, { 0x00008000, "PASSWORDOPT" }, { 0x00020000, "NOLOGOPT" },
	{ 0x00040000, "NEWMULTIOPT" }, { 0x00080000, "NOADDLISTOPT" }, { 0x00100000, "READCHECKOPT" },
	{ 0x00200000, "FILEATTACHOPT" }, { 0x00400000, "ENCRYPTOPT" }, { 0x00800000, "UTF8OPT" },
	{ 0x01000000, "CAPUTF8OPT" }, { 0x04000000, "ENCEXTMSGOPT" }, { 0x80000000, "IPTUX_SHAREDOPT" },
	{ 0x40000000, "IPTUX_PASSWDOPT" },
}
local file_opts = {
	{ 0x00000400, "ENCFILE_OBSLT" }, { 0x00000800, "ENCFILEOPT" }, { 0x00400000, "ENCRYPTOPT" },
	{ 0x00800000, "UTF8OPT" }, { 0x00200000, "FILEATTACHOPT" },
}

local function is_entry_class(mode)
	return mode <= 0x04 or mode == 0x10 or mode == 0x18 or (mode >= 0x11 and mode <= 0x14)
end

local function opt_table(mode)
	if mode == 0x60 or mode == 0x62 then return file_opts end
	if is_entry_class(mode) then return entry_opts end
	return send_opts
end

local function option_names(cmd)
	local mode = cmd % 256
	local rest = cmd - mode
	local names = {}
	for _, o in ipairs(opt_table(mode)) do
		local bit, name = o[1], o[2]
		if math.floor(rest / bit) % 2 == 1 then
			names[#names + 1] = name
			rest = rest - bit
		end
	end
	if rest ~= 0 then names[#names + 1] = string.format("0x%X", rest) end
	return names
end

-- Splits the header; returns the fields and the offset of the body, or nil and the reason.
local function parse_header(s)
	local fields, pos = {}, 1
	local nul = string.find(s, "\0", 1, true)
	local main_end = nul and nul - 1 or #s
	for i = 1, 5 do
		local c = string.find(s, ":", pos, true)
		if not c or c > main_end then
			if i == 5 then
				fields[5] = string.sub(s, pos, main_end)
				return fields, main_end + 1
			end
			return nil, "header fields missing"
		end
		fields[i] = string.sub(s, pos, c - 1)
		pos = c + 1
	end
	return fields, pos
end

-- NUL-separated sections of the body (trailing NULs cut first, as the codec does).
local function sections(body)
	body = string.gsub(body, "%z+$", "")
	local secs, pos = {}, 1
	while true do
		local z = string.find(body, "\0", pos, true)
		secs[#secs + 1] = string.sub(body, pos, (z or #body + 1) - 1)
		if not z then return secs end
		pos = z + 1
	end
end

-- User, host, nick and group in UTF-8 (camtrace's entry.c rules); nick and group only for entry packets.
local function names(h, body, cmd, entry)
	local utf8opt = math.floor(cmd / 0x800000) % 2 == 1
	if not entry then
		local function auto(x) return decode(x, utf8opt or utf8_valid(x)) end
		return auto(h[3]), auto(h[4])
	end
	local sec = sections(body)
	local nick, group, blk, charset = sec[1] or "", "", nil, nil
	if sec[2] and string.sub(sec[2], 1, 1) == "\n" then
		blk = sec[2]
	else
		group = sec[2] or ""
		if sec[3] and string.sub(sec[3], 1, 1) == "\n" then blk = sec[3] end
	end
	if not blk and #sec > 2 then charset = string.lower(sec[4] or "") end -- iptux: icon, charset
	local utf8
	local all = { h[3], h[4], nick, group }
	local valid, ascii = true, true
	for _, x in ipairs(all) do
		valid = valid and utf8_valid(x)
		ascii = ascii and is_ascii(x)
	end
	local hint_sjis = charset and (charset == "cp932" or charset == "ms932" or charset == "windows-31j" or
		charset == "shift_jis" or charset == "shift-jis" or charset == "sjis" or charset == "sjis-win" or charset == "cp943")
	local hint_utf8 = charset == "utf-8" or charset == "utf8"
	if utf8opt then utf8 = true
	elseif hint_sjis or not valid then utf8 = false
	elseif hint_utf8 or not ascii then utf8 = true
	else utf8 = false end
	local r = { decode(h[3], utf8), decode(h[4], utf8), decode(nick, utf8), decode(group, utf8) }
	if blk then -- the UTF-8 block wins where it has a non-empty value
		for line in string.gmatch(blk .. "\n", "([^\n]*)\n") do
			local k, v = string.match(line, "^(%u%u):(.*)$")
			local i = ({ UN = 1, HN = 2, NN = 3, GN = 4 })[k or ""]
			if i and v ~= "" then r[i] = from_utf8(v) end
		end
	end
	return r[1], r[2], r[3], r[4]
end

local function bit(v, b) return math.floor(v / b) % 2 == 1 end

-- RSA key length from an encrypted body's session-key field (the RSA block): hex digits x 4, or
-- (ENCODE_BASE64 in its capability) base64 characters x 6 less the padding, in whole bytes.
local function key_bits(capa, key)
	if not bit(capa, 0x01000000) then return #key * 4 end
	local n = #string.gsub(key, "=+$", "")
	return math.floor(n * 6 / 8) * 8
end

-- Files announced by SENDMSGs: size by "sender address:packet number:file id" (the transfer
-- follower below knows how many bytes a GETFILEDATA should bring).
local offers = {}

-- SENDMSG body: encrypted framing ("%X:key:msg[:sig]"), Windows' DecryptErr answer, attachments.
local function sendmsg_fields(bt, cmd, sec0, body, from, pkt)
	local info = " msg_len=" .. #sec0
	if bit(cmd, 0x00400000) then
		local capa, key, msg, rest = string.match(sec0, "^(%x+):([^:]*):([^:]*)(.*)$")
		capa = capa and #capa <= 8 and tonumber(capa, 16)
		if capa then
			local kb = key_bits(capa, key)
			bt:add(f.encrypted_capa, capa)
			bt:add(f.key_bits, kb)
			info = info .. string.format(' encrypted_capa="0x%08x" key_bits=%d', capa, kb)
			if string.match(rest, "^:.") then
				bt:add(f.signed, true)
				info = info .. " signed=1"
			end
		end
	elseif bit(cmd, 0x00002000) and string.find(sec0, "^[ \r\n]*==== AutoReply%(DecryptErr%) ====") then
		bt:add(f.decrypt_err, true)
		info = info .. " decrypt_err=1"
	end
	local secs = sections(body)
	if bit(cmd, 0x00200000) and secs[2] then
		local _, n = string.gsub(secs[2], "\a", "")
		bt:add(f.files, n)
		info = info .. " files=" .. n
		-- "id:name:size:mtime:attr[:ext...]:\a" ("::" is a ':' in the name); id decimal, size hex
		for e in string.gmatch((string.gsub(secs[2], "::", "\1")), "([^\a]*)\a") do
			local id, size = string.match(e, "^%s*(%d+):[^:]*:(%x+):")
			if id and #size <= 13 then offers[from .. ":" .. pkt .. ":" .. id] = tonumber(size, 16) end
		end
	end
	return info
end

local function looks_like(s)
	return string.match(s, "^1[^:]*:%d+:") ~= nil
end

function ipmsg.dissector(tvb, pinfo, tree)
	local len = tvb:len()
	if len == 0 then return 0 end
	local s = tvb:raw(0, len)
	if pinfo.port_type == 2 and not looks_like(s) then return 0 end -- TCP data, not a request
	pinfo.cols.protocol = "IPMSG"
	local t = tree:add(ipmsg, tvb(), "IP Messenger")
	if string.sub(s, 1, 4) == "IP2:" then
		t:add(f.malformed, "Windows IPDict datagram (not decoded)")
		pinfo.cols.info = "IPDICT " .. len .. " bytes"
		return len
	end
	local h, body_off = parse_header(s)
	if not h then
		t:add(f.malformed, body_off)
		pinfo.cols.info = "MALFORMED (" .. body_off .. ")"
		return len
	end
	local pkt, cmd = tonumber(h[2]), tonumber(h[5])
	if string.sub(h[1], 1, 1) ~= "1" or not pkt or not cmd or h[3] == "" or h[4] == "" or
		not string.match(h[2], "^%d+$") or not string.match(h[5], "^%d+$") or pkt > 4294967295 or
		cmd > 4294967295 then
		t:add(f.malformed, "not an IPMsg header (version, number or name invalid)")
		pinfo.cols.info = "MALFORMED (bad header)"
		return len
	end
	local mode = cmd % 256
	local name = modes[mode] or string.format("0x%02X", mode)
	local opts = option_names(cmd)
	local full = name
	if #opts > 0 then full = name .. "|" .. table.concat(opts, "|") end
	local entry = mode <= 0x04 or mode == 0x10 or mode == 0x18
	local user, host, nick, group = names(h, body_off <= len and string.sub(s, body_off) or "", cmd, entry)
	local p = 0
	t:add(f.version, tvb(p, #h[1]), h[1]); p = p + #h[1] + 1
	t:add(f.packetno, tvb(p, #h[2]), pkt); p = p + #h[2] + 1
	t:add(f.user, tvb(p, #h[3]), user); p = p + #h[3] + 1
	t:add(f.host, tvb(p, #h[4]), host); p = p + #h[4] + 1
	local ct = t:add(f.command, tvb(p, #h[5]), cmd)
	ct:add(f.mode, tvb(p, #h[5]), mode)
	ct:add(f.command_name, tvb(p, #h[5]), name)
	ct:add(f.options, tvb(p, #h[5]), table.concat(opts, "|"))
	local info = full .. " #" .. h[2] .. " " .. user .. "@" .. host
	-- body: section 0 up to the first NUL, then further NUL-separated sections
	if body_off <= len then
		local btvb = tvb(body_off - 1)
		local bt = t:add(f.body, btvb)
		local nul = string.find(s, "\0", body_off, true)
		local sec0 = string.sub(s, body_off, (nul or len + 1) - 1)
		if #sec0 > 0 then bt:add(f.text, tvb(body_off - 1, #sec0), sec0) end
		if entry then
			bt:add(f.nick, nick)
			bt:add(f.group, group)
			info = info .. ' "' .. nick .. '"/"' .. group .. '"'
		elseif mode == 0x21 or mode == 0x30 or mode == 0x32 or mode == 0x61 then
			local n = tonumber(string.match(sec0, "^%s*(%d+)"))
			if n then
				bt:add(f.ref, n)
				info = info .. " packet_no=" .. n
			end
		elseif mode == 0x13 then
			local nx, cnt = string.match(sec0, "^%s*(%d+)\a%s*(%d+)\a")
			if nx then
				bt:add(f.list_next, tonumber(nx))
				bt:add(f.list_count, tonumber(cnt))
				info = info .. " next=" .. tonumber(nx) .. " count=" .. tonumber(cnt)
			end
		elseif mode == 0x20 then
			info = info .. sendmsg_fields(bt, cmd, sec0, string.sub(s, body_off), tostring(pinfo.src), pkt)
		elseif mode == 0x72 or mode == 0x73 then -- GETPUBKEY "capa", ANSPUBKEY "capa:exp-modulus"
			local capa, mod = string.match(sec0, "^(%x+):?%x*%-?(%x*)")
			capa = capa and #capa <= 8 and tonumber(capa, 16)
			if capa then
				bt:add(f.capa, capa)
				info = info .. string.format(' capa="0x%08x"', capa)
				if mode == 0x73 and #mod > 0 then
					bt:add(f.key_bits, #mod * 4)
					info = info .. " key_bits=" .. #mod * 4
				end
			end
		elseif mode == 0x60 or mode == 0x62 then -- "pkt:fileid[:offset]:" in hex
			local pk, id, off = string.match(sec0, "^(%x+):(%x+):?(%x*)")
			if pk and #pk <= 8 and #id <= 8 and #off <= 16 then
				bt:add(f.file_packetno, tonumber(pk, 16))
				bt:add(f.file_id, tonumber(id, 16))
				info = info .. " packet_no=" .. tonumber(pk, 16) .. " file_id=" .. tonumber(id, 16)
				if mode == 0x60 and off ~= "" then
					bt:add(f.file_offset, UInt64.fromhex(off))
					info = info .. " offset=" .. tostring(UInt64.fromhex(off))
				end
			end
		end
		if nul and nul < len then bt:add(f.extra, tvb(nul, len - nul)) end
	end
	pinfo.cols.info = info
	return len
end

-- ---- file transfers on TCP 2425 (a postdissector, like camtrace sniff's xferwatch.c) -------------
-- A GETFILEDATA/GETDIRFILES connection is followed; its request frame gets ipmsg.xfer = "stalled"
-- (no new data for STALL seconds, no FIN or RST), "closed" or "reset" (a FIN or RST before the
-- announced size, less the offset), or "capture_ended" (still short at the end), with the bytes
-- that came, the bytes expected and the seconds of silence. The verdict is known only after later
-- frames: tshark needs two passes and a display filter (-2 -Y ipmsg.xfer: without a filter its first pass
-- builds no tree and the fields read here are empty); Wireshark shows it when a frame is dissected again.
local STALL = 5
local xfer = Proto("ipmsg_xfer", "IP Messenger file transfer")
local xf = {
	how = ProtoField.string("ipmsg.xfer", "Transfer stopped"),
	bytes = ProtoField.uint64("ipmsg.xfer_bytes", "Data bytes that came"),
	expected = ProtoField.uint64("ipmsg.xfer_expected", "Data bytes expected"),
	idle = ProtoField.double("ipmsg.xfer_idle", "Seconds without new data"),
}
xfer.fields = { xf.how, xf.bytes, xf.expected, xf.idle }
local fx = {
	stream = Field.new("tcp.stream"), len = Field.new("tcp.len"), seq = Field.new("tcp.seq_raw"),
	fin = Field.new("tcp.flags.fin"), rst = Field.new("tcp.flags.reset"), cmd = Field.new("ipmsg.command_name"),
	pkt = Field.new("ipmsg.file_packetno"), id = Field.new("ipmsg.file_id"), off = Field.new("ipmsg.file_offset"),
}
local conns, marks, last_ts, finished = {}, {}, 0, false

local function mark(c, how, idle) marks[c.req] = { how = how, bytes = c.bytes, exp = c.exp, idle = idle }; c.state = 0 end

local function follow(pinfo)
	local t = pinfo.abs_ts
	if t > last_ts then last_ts = t end
	for _, c in pairs(conns) do -- silences first, as sniff reports them before the frame
		if c.state == 2 and t - c.last >= STALL then mark(c, "stalled", STALL) end
	end
	local st, cmd = fx.stream(), fx.cmd()
	if not st then return end
	local c = conns[st.value]
	if cmd and (cmd.value == "GETFILEDATA" or cmd.value == "GETDIRFILES") and fx.id() then
		if c and c.state == 1 then return end -- the request again
		local off = fx.off() and tonumber(tostring(fx.off().value)) or 0
		local size = offers[tostring(pinfo.dst) .. ":" .. fx.pkt().value .. ":" .. fx.id().value]
		conns[st.value] = { req = pinfo.number, srv = pinfo.dst_port, state = 1, bytes = 0, last = t,
			exp = cmd.value == "GETFILEDATA" and size and size >= off and size - off or nil }
		return
	end
	if not c or c.state == 0 then return end
	local from_srv, len = pinfo.src_port == c.srv, fx.len().value
	if from_srv and len > 0 then
		local e = (fx.seq().value + len) % 4294967296
		if c.state == 1 then
			c.state, c.bytes, c.hi, c.last = 2, len, e, t
		else
			local d = (e - c.hi) % 4294967296
			if d > 0 and d < 2147483648 then c.bytes, c.hi, c.last = c.bytes + d, e, t end
		end
	end
	local fin, rst = fx.fin() and fx.fin().value, fx.rst() and fx.rst().value
	if fin or rst then
		if c.state == 2 and c.exp and c.bytes < c.exp then mark(c, rst and "reset" or "closed", t - c.last) else c.state = 0 end
	end
end

function xfer.dissector(tvb, pinfo, tree)
	if not pinfo.visited then
		follow(pinfo)
	elseif not finished then -- the first frame seen again: the capture has ended
		finished = true
		for _, c in pairs(conns) do
			if c.state == 2 and c.exp and c.bytes < c.exp then mark(c, "capture_ended", last_ts - c.last) end
		end
	end
	local m = marks[pinfo.number]
	if not m then return end
	local t = tree:add(xfer, "IP Messenger file transfer: " .. m.how)
	t:add(xf.how, m.how)
	t:add(xf.bytes, UInt64(m.bytes))
	if m.exp then t:add(xf.expected, UInt64(m.exp)) end
	t:add(xf.idle, m.idle)
	pinfo.cols.info:append(string.format(" [%s transfer: %d%s bytes]", m.how, m.bytes, m.exp and (" of " .. m.exp) or ""))
end
register_postdissector(xfer)

DissectorTable.get("udp.port"):add(2425, ipmsg)
DissectorTable.get("tcp.port"):add(2425, ipmsg)
