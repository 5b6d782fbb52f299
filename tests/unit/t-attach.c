/* t-attach.c: unit tests for attach.c: §6.1 lists, §6.3/§6.4 requests, directory-stream headers, malformed input. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "ipmsg-fixtures.h"
#include "attach.h"
#include "bodies.h"
#include "codec.h"
#include "err.h"
#include "sbuf.h"

static const char ex61[] = "1:1700000300:alice:PC-A:2097440:see attached\0"
	"123456:report.txt:1f4:65000000:1:\a"
	"123457:photos:0:65000001:2:\a";

static void test_list(void)
{
	struct ct_ipmsg m;
	struct ct_attach_list l;
	struct ct_body_sendmsg s;
	struct ct_sbuf b;
	struct ct_attach_file f[2] = {
		{ .id = 123456, .name = "report.txt", .size = 0x1f4, .mtime = 0x65000000, .attr = 1 },
		{ .id = 123457, .name = "photos", .size = 0, .mtime = 0x65000001, .attr = 2 },
	};

	is_int(ct_codec_parse(&m, ex61, sizeof ex61 - 1), 0, "§6.1 SENDMSG|FILEATTACHOPT parses");
	is_int(m.opts & CT_IPMSG_FILEATTACHOPT, CT_IPMSG_FILEATTACHOPT, "FILEATTACHOPT set");
	ct_body_sendmsg_parse(&m, &s);
	ok(s.has_attach && s.text.len == 12 && memcmp(s.text.p, "see attached", 12) == 0, "text and list sections");
	is_int(ct_attach_list_parse(s.attach.p, s.attach.len, &l), 0, "§6.1 list parses");
	is_int(l.n, 2, "two files");
	is_int(l.f[0].id, 123456, "decimal fileID 123456");
	is_str(l.f[0].name, "report.txt", "report.txt");
	is_int(l.f[0].size, 500, "size 0x1f4");
	is_int(l.f[0].mtime, 0x65000000, "mtime");
	is_int(l.f[0].attr, CT_IPMSG_FILE_REGULAR, "regular file");
	is_int(l.f[1].id, 123457, "second ID");
	is_str(l.f[1].name, "photos", "photos");
	is_int(l.f[1].attr, CT_IPMSG_FILE_DIR, "directory");
	is_str(ct_attach_type_name(l.f[1].attr), "dir", "type name");
	ct_attach_list_fini(&l);
	ct_codec_fini(&m);

	ct_sbuf_init(&b);
	ct_codec_build_header(&b, NULL, 1700000300, "alice", "PC-A", 2097440);
	ct_sbuf_adds(&b, "see attached");
	ct_sbuf_addc(&b, '\0');
	is_int(ct_attach_list_add(&b, &f[0], 1), 0, "add first file");
	is_int(ct_attach_list_add(&b, &f[1], 1), 0, "add second file");
	is_mem(b.p, b.len, ex61, sizeof ex61 - 1, "builder reproduces §6.1 byte for byte");
	{
		struct ct_sbuf a, body;
		ct_sbuf_init(&a);
		ct_sbuf_init(&body);
		ct_attach_list_add(&a, &f[0], 1);
		ct_attach_list_add(&a, &f[1], 1);
		ct_body_sendmsg_build(&body, "see attached", a.p);
		size_t hl = strlen("1:1700000300:alice:PC-A:2097440:");
		ok(body.len == sizeof ex61 - hl && memcmp(body.p, ex61 + hl, body.len - 1) == 0 &&
			body.p[body.len - 1] == '\0', "sendmsg_build: text NUL list NUL");
		ct_sbuf_fini(&a);
		ct_sbuf_fini(&body);
	}
	ct_sbuf_reset(&b);

	/* ':' escaping */
	struct ct_attach_file c = { .id = 7, .name = "a:b:", .size = 16, .mtime = 1, .attr = 0x101 };
	ct_attach_list_add(&b, &c, 1);
	is_lit(b.p, b.len, "7:a::b:::10:1:101:\a", "':' doubled, attr with RONLYOPT");
	is_int(ct_attach_list_parse(b.p, b.len, &l), 0, "escaped list parses");
	is_str(l.f[0].name, "a:b:", "name unescaped");
	is_int(l.f[0].size, 16, "size after escaped name");
	is_int(l.f[0].attr, 0x101, "attr 0x101");
	ct_attach_list_fini(&l);
	ct_sbuf_reset(&b);
	ct_attach_list_add(&b, &c, 0);
	is_lit(b.p, b.len, "7:a:b::10:1:101:\a", "raw name (iptux style)");
	ct_sbuf_reset(&b);
	c.name = "bad\aname";
	is_int(ct_attach_list_add(&b, &c, 1), CT_EINVAL, "\\a in a name refused");
	c.name = "";
	is_int(ct_attach_list_add(&b, &c, 1), CT_EINVAL, "empty name refused");
	/* inline image with an extended attribute */
	struct ct_attach_file img = { .id = 9, .name = "ipmsgclip_s_1_0.png", .size = 0x400, .mtime = 0x65000000,
		.attr = CT_IPMSG_FILE_CLIPBOARD, .next = 1, .ext = { { CT_IPMSG_FILE_CLIPBOARDPOS, "3" } } };
	ct_sbuf_reset(&b);
	ct_attach_list_add(&b, &img, 1);
	is_lit(b.p, b.len, "9:ipmsgclip_s_1_0.png:400:65000000:20:8=3:\a", "clipboard entry with 8=pos");
	is_int(ct_attach_list_parse(b.p, b.len, &l), 0, "clipboard entry parses");
	is_int(l.f[0].next, 1, "one extended attribute");
	is_int(l.f[0].ext[0].key, 8, "CLIPBOARDPOS key");
	is_str(l.f[0].ext[0].val, "3", "position 3");
	is_str(ct_attach_ext_name(l.f[0].ext[0].key), "clipboardpos", "ext name");
	is_str(ct_attach_type_name(l.f[0].attr), "clipboard", "clipboard type");
	ct_attach_list_fini(&l);
	ct_sbuf_fini(&b);

	/* iptux ":\a:" form, missing attr, ext lists, junk ext */
	is_int(ct_attach_list_parse(LIT("1:a:10:20:\a:2:b:10:20:2:14=5,6:zz:\a:"), &l), 0, "iptux form parses");
	is_int(l.n, 2, "two entries");
	is_int(l.f[0].attr, CT_IPMSG_FILE_REGULAR, "missing attr means regular");
	is_int(l.f[0].has_attr, 0, "attr absent");
	is_int(l.f[1].id, 2, "leading ':' skipped");
	is_str(l.f[1].ext[0].val, "5,6", "value list kept");
	is_int(l.f[1].bad_ext, 1, "junk extended attribute counted");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse("", 0, &l), 0, "empty list");
	is_int(l.n, 0, "no entries");
	ct_attach_list_fini(&l);

	/* malformed */
	is_int(ct_attach_list_parse(LIT("abc:name:1:2:1:\a"), &l), CT_EFORMAT, "non-decimal ID");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1e240:name:1:2:1:\a"), &l), CT_EFORMAT, "hex ID in list refused");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1:name\a"), &l), CT_ETRUNC, "no size");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1:n:1:\a"), &l), CT_ETRUNC, "no mtime");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1:n:zz:2:1:\a"), &l), CT_EFORMAT, "bad size");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("4294967296:n:1:2:1:\a"), &l), CT_ERANGE, "ID overflow");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1:n:ffffffffffffffff:2:1:\a"), &l), 0, "64-bit size");
	is_int(l.f[0].size == UINT64_MAX, 1, "max size");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1:n:10000000000000000:2:1:\a"), &l), CT_ERANGE, "size > 64 bits");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1:ok:1:2:1:\a2:n:1:2:1ffffffff:\a"), &l), CT_ERANGE, "attr overflow");
	is_int(l.n, 1, "entries before the fault kept");
	ct_attach_list_fini(&l);
	is_int(ct_attach_list_parse(LIT("1:n::"), &l), CT_ETRUNC, "name then nothing");
	ct_attach_list_fini(&l);
}

static void test_requests(void)
{
	struct ct_ipmsg m;
	struct ct_attach_req r;
	struct ct_sbuf b;

	is_int(ct_codec_parse(&m, LIT("1:1700000400:bob:PC-B:96:6553f22c:1e240:0:\0")), 0, "§6.3 GETFILEDATA parses");
	is_int(m.mode, CT_IPMSG_GETFILEDATA, "GETFILEDATA");
	is_int(ct_attach_req_parse(m.sec[0].p, m.sec[0].len, &r), 0, "request body parses");
	is_int(r.packetno, 1700000300, "6553f22c = SENDMSG packet 1700000300");
	is_int(r.fileid, 123456, "1e240 = fileID 123456");
	is_int(r.offset, 0, "offset 0");
	is_int(r.has_offset, 1, "offset present");
	ct_codec_fini(&m);
	ct_sbuf_init(&b);
	ct_codec_build_header(&b, NULL, 1700000400, "bob", "PC-B", CT_IPMSG_GETFILEDATA);
	ct_attach_req_build(&b, &r);
	ct_sbuf_addc(&b, '\0');
	is_lit(b.p, b.len, "1:1700000400:bob:PC-B:96:6553f22c:1e240:0:\0", "§6.3 request byte for byte");
	ct_sbuf_reset(&b);
	r.has_offset = 0;
	r.fileid = 123457;
	ct_codec_build_header(&b, NULL, 1700000401, "bob", "PC-B", CT_IPMSG_GETDIRFILES | CT_IPMSG_UTF8OPT);
	ct_attach_req_build(&b, &r);
	ct_sbuf_addc(&b, '\0');
	is_lit(b.p, b.len, "1:1700000401:bob:PC-B:8388706:6553f22c:1e241:\0", "§6.4 GETDIRFILES|UTF8OPT request");
	ct_sbuf_fini(&b);
	is_int(ct_attach_req_parse(LIT("6553f22c:1e241:"), &r), 0, "GETDIRFILES body");
	is_int(r.has_offset, 0, "no offset");
	is_int(ct_attach_req_parse(LIT("6553f22c:1e241:0"), &r), 0, "iptux ':0' suffix");
	is_int(ct_attach_req_parse(LIT("6553F22C:1E240:0:"), &r), 0, "uppercase hex");
	is_int(r.fileid, 123456, "uppercase fileID");
	is_int(ct_attach_req_parse("", 0, &r), CT_ETRUNC, "empty request");
	is_int(ct_attach_req_parse(LIT("6553f22c:"), &r), CT_ETRUNC, "no fileID");
	is_int(ct_attach_req_parse(LIT("xyz:1:"), &r), CT_EFORMAT, "bad packet number");
	is_int(ct_attach_req_parse(LIT("1:2:3:4:"), &r), CT_EFORMAT, "extra field");
	is_int(ct_attach_req_parse(LIT("100000000:1:"), &r), CT_ERANGE, "packet number > 32 bits");
	is_int(ct_attach_req_parse(LIT("1:2:00000000000000000000000000000000000000000000000000000000000000000:"), &r),
		CT_EFORMAT, "overlong body refused");
}

static void test_dirstream(void)
{
	static const char stream[] =
		"002e:docs:000000000:2:14=65000000:16=65000000:"
		"002f:a.txt:000000005:1:14=65000000:16=65000000:" "hello"
		"0023:.:0:3:14=65000000:16=65000000:";
	struct ct_attach_dirhdr h;
	struct ct_sbuf b;
	size_t off = 0, need = 0, recs = 0;
	const char *names[] = { "docs", "a.txt", "." };
	const uint32_t attrs[] = { 2, 1, 3 };
	const uint64_t sizes[] = { 0, 5, 0 };
	int bad = 0;

	while (off < sizeof stream - 1) {
		if (ct_attach_dirhdr_parse(stream + off, sizeof stream - 1 - off, &h, &need) != 0) {
			bad++;
			break;
		}
		if (recs > 2 || strcmp(h.f.name, names[recs]) || h.f.attr != attrs[recs] || h.f.size != sizes[recs] ||
			h.f.next != 2 || h.f.ext[0].key != CT_IPMSG_FILE_MTIME || strcmp(h.f.ext[0].val, "65000000") ||
			h.f.ext[1].key != CT_IPMSG_FILE_CREATETIME)
			bad++;
		off += h.hsize;
		if (h.f.attr == CT_IPMSG_FILE_REGULAR) {
			if (memcmp(stream + off, "hello", 5) != 0)
				bad++;
			off += h.f.size;
		}
		ct_attach_dirhdr_fini(&h);
		recs++;
	}
	is_int(bad, 0, "§6.4 stream: DIR, REGULAR + contents, RETPARENT decode");
	is_int(recs, 3, "three records");
	is_int(off, sizeof stream - 1, "stream consumed exactly");

	ct_sbuf_init(&b);
	{
		struct ct_attach_file d = { .name = "docs", .size = 0, .attr = 2, .next = 2,
			.ext = { { 0x14, "65000000" }, { 0x16, "65000000" } } };
		ct_attach_dirhdr_build(&b, &d, 9, 0, 0);
		d.name = "a.txt"; d.size = 5; d.attr = 1;
		ct_attach_dirhdr_build(&b, &d, 9, 0, 0);
		ct_sbuf_adds(&b, "hello");
		d.name = "."; d.size = 0; d.attr = 3;
		ct_attach_dirhdr_build(&b, &d, 0, 0, 0);
		is_mem(b.p, b.len, stream, sizeof stream - 1, "builder reproduces the §6.4 stream byte for byte");
		ct_sbuf_reset(&b);
		d.next = 0;
		ct_attach_dirhdr_build(&b, &d, 0, 1, 1);
		is_lit(b.p, b.len, "000B:.:0:3:", "Mac minimal RETPARENT, uppercase");
	}
	is_int(ct_attach_dirhdr_parse(LIT("000B:.:0:3:"), &h, &need), 0, "Mac RETPARENT parses");
	is_int(h.hsize, 11, "hsize 0x000B");
	is_int(h.f.attr, CT_IPMSG_FILE_RETPARENT, "RETPARENT");
	ct_attach_dirhdr_fini(&h);
	ct_sbuf_reset(&b);
	{
		struct ct_attach_file e = { .name = "x:y", .size = 0x1ABCDEF01ull, .attr = 1 };
		ct_attach_dirhdr_build(&b, &e, 9, 1, 1);
		is_lit(b.p, b.len, "0016:x::y:1ABCDEF01:1:", "escaped name, 33-bit size");
		is_int(ct_attach_dirhdr_parse(b.p, b.len, &h, &need), 0, "parses back");
		is_str(h.f.name, "x:y", "name unescaped");
		is_int(h.f.size == 0x1ABCDEF01ull, 1, "size > 4 GiB");
		ct_attach_dirhdr_fini(&h);
	}
	ct_sbuf_fini(&b);

	/* truncation and bad hsize */
	is_int(ct_attach_dirhdr_parse(LIT("00"), &h, &need), CT_ETRUNC, "2 bytes: need more");
	is_int(need, 5, "need at least 5");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("002e:docs:0"), &h, &need), CT_ETRUNC, "partial header");
	is_int(need, 46, "need the whole hsize");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("zz2e:docs:000000000:2:"), &h, &need), CT_EFORMAT, "non-hex hsize");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("0003:a:0:1:"), &h, &need), CT_EFORMAT, "hsize too small");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("123456789:a:0:1:"), &h, &need), CT_EFORMAT, "hsize with 9 digits");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT(":a:0:1:"), &h, &need), CT_EFORMAT, "empty hsize");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("000c:a:0:1:xx"), &h, &need), CT_EFORMAT, "header not ending in ':'");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("000a:docs:0:"), &h, &need), CT_EFORMAT, "hsize cuts the fields");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("000b:a\0:0:1:"), &h, &need), CT_EFORMAT, "NUL inside a header");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("000a::0:1:"), &h, &need), CT_EFORMAT, "empty name");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("0010:a:zz:1:abcd:"), &h, &need), CT_EFORMAT, "bad size");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("ffff:a:0:1:"), &h, &need), CT_ETRUNC, "huge hsize waits for data");
	is_int(need, 65535, "need 65535");
	ct_attach_dirhdr_fini(&h);
	is_int(ct_attach_dirhdr_parse(LIT("10000:a:0:1:"), &h, &need), CT_EFORMAT, "hsize > 0xffff");
	ct_attach_dirhdr_fini(&h);
	{
		char *exact = malloc(4);
		memcpy(exact, "002e", 4);
		is_int(ct_attach_dirhdr_parse(exact, 4, &h, &need), CT_ETRUNC, "4 bytes without ':' (exact buffer)");
		ct_attach_dirhdr_fini(&h);
		free(exact);
	}
}

int main(void)
{
	test_list();
	test_requests();
	test_dirstream();
	return tap_done();
}
