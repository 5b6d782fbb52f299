/* t-ipmsg.c: unit tests for ct_ipmsg_describe(): one-line summaries and JSON of spec packets and bad datagrams. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "ipmsg-fixtures.h"
#include "codec.h"
#include "err.h"
#include "ipmsg.h"
#include "json.h"
#include "sbuf.h"

/* Describes a datagram and renders its line into *line (caller frees). */
static int line_of(const char *p, size_t n, char **line, struct ct_ipmsg_desc *d)
{
	struct ct_sbuf b;
	int r = ct_ipmsg_describe(p, n, d);

	ct_sbuf_init(&b);
	ct_ipmsg_desc_line(d, &b);
	*line = ct_sbuf_steal(&b, NULL);
	return r;
}

#define LINE(pkt, want, what) do { struct ct_ipmsg_desc d_; char *l_; \
	line_of(pkt, sizeof(pkt) - 1, &l_, &d_); is_str(l_, want, what); free(l_); ct_ipmsg_desc_fini(&d_); } while (0)

static void test_lines(void)
{
	LINE("1:100:shirouzu:jupiter:32:Hello", "SENDMSG #100 shirouzu@jupiter text=\"Hello\"", "§1.2 line");
	LINE("1_iptux 0.8.3:1:user:host:257:nick\0group\0icon\0utf-8\0",
		"BR_ENTRY|ABSENCEOPT #1 user@host ver=\"1_iptux 0.8.3\" nick=\"nick\" group=\"group\" icon=\"icon\" charset=\"utf-8\"",
		"iptux entry line");
	LINE("1:1700000000:taro:PC01:258211841:" TARO_SJ "\0" EIGYO_SJ "\0\nUN:taro\nHN:PC01\nNN:" TARO_U8 "\nGN:" EIGYO_U8
		"\nVS:00010002:4:99:103",
		"BR_ENTRY|CAPFILEENCOPT|FILEATTACHOPT|ENCRYPTOPT|CAPUTF8OPT|CAPIPDICTOPT|ENCEXTMSGOPT|CLIPBOARDOPT #1700000000 "
		"taro@PC01 nick=\"" TARO_U8 "\" group=\"" EIGYO_U8 "\" vs=\"00010002:4:99:103\"", "Windows entry line");
	LINE("1:1700000123:srv:SRVPC:19:    0\a    2\aalice\aPC-A\a258211840\a192.168.1.10\a30985\aAlice\aDev\a"
		"bob\aPC-B\a18874368\a192.168.1.11\a30985\a\b\a\b\a\0",
		"ANSLIST #1700000123 srv@SRVPC next=0 count=2 hosts=2 alice@PC-A(192.168.1.10:2425) bob@PC-B(192.168.1.11:2425)",
		"§4.6 ANSLIST line");
	LINE("1:1700000201:carol:PC-C:18:50\0", "GETLIST #1700000201 carol@PC-C start=50", "GETLIST line");
	LINE("1:1700000300:alice:PC-A:2097440:see attached\0" "123456:report.txt:1f4:65000000:1:\a123457:photos:0:65000001:2:\a",
		"SENDMSG|SENDCHECKOPT|FILEATTACHOPT #1700000300 alice@PC-A text=\"see attached\" files=2 report.txt(regular,500) "
		"photos(dir,0)", "§6.1 line");
	LINE("1:1700000400:bob:PC-B:96:6553f22c:1e240:0:\0",
		"GETFILEDATA #1700000400 bob@PC-B packet=1700000300 file=123456 offset=0", "§6.3 line");
	LINE("1:1700000310:bob:PC-B:33:1700000300\0", "RECVMSG #1700000310 bob@PC-B packet=1700000300", "RECVMSG line");
	LINE("1:1700000500:alice:PC-A:114:65920006\0",
		"GETPUBKEY #1700000500 alice@PC-A capa=65920006(RSA_1024|RSA_2048|BLOWFISH_128|AES_256|PACKETNO_IV|"
		"ENCODE_BASE64|NOENC_FILEBODY|SIGN_SHA1|SIGN_SHA256)", "§5.3 line");
	LINE("1:5:u:h:4194592:40900004:0a1b:c2d3:e4\0",
		"SENDMSG|SENDCHECKOPT|ENCRYPTOPT #5 u@h encrypted capa=40900004(RSA_2048|AES_256|PACKETNO_IV|SIGN_SHA256) "
		"key=4 msg=4 key_bits=16 signed", "encrypted SENDMSG line");
	LINE("1:6:u:h:288:line1\nline2\a\0", "SENDMSG|SENDCHECKOPT #6 u@h text=\"line1\\nline2\\a\"",
		"control characters escaped");
	LINE("1:7:u:h:81:Not Absence mode\0", "SENDABSENCEINFO #7 u@h text=\"Not Absence mode\"", "text body");
	LINE("1:8:u:h:64:\0", "GETINFO #8 u@h", "empty body");
	LINE("1:9:u:h:288:\x80\xff\0", "SENDMSG|SENDCHECKOPT #9 u@h text=\"\\x80\\xff\"", "bad bytes escaped");
	LINE("1:10:u:h:33:abc\0", "RECVMSG #10 u@h body-error=\"malformed input\"", "bad RECVMSG body");
	LINE("1:11:u:h:19:    0\a    2\aa\ah\a256\a10.0.0.1\a30985\aN\aG\ab\ah\a\0",
		"ANSLIST #11 u@h next=0 count=2 hosts=1 a@h(10.0.0.1:2425) body-error=\"input truncated\"", "ANSLIST too few fields");
	LINE("1:11:u:h:19:    0\a    1\aa\ah\a256\a10.0.0.1\n\x1b[2J\a30985\aN\aG\a\0",
		"ANSLIST #11 u@h next=0 count=1 hosts=1 a@h(10.0.0.1\\n\\x1b[2J:2425)", "control bytes in an address escaped");
	LINE("1:12:u:h:288:hi\0\0\0\0\0\0\0\0\0\0", "SENDMSG|SENDCHECKOPT #12 u@h text=\"hi\" nul-pad=10", "NUL padding shown");
	LINE("hello", "malformed (malformed input, 5 bytes): \"hello\"", "no colons");
	LINE("1:2:u", "malformed (input truncated, 5 bytes): \"1:2:u\"", "truncated header");
	LINE("1:4294967296:u:h:1:", "malformed (number out of range, 19 bytes): \"1:4294967296:u:h:1:\"", "overflow");
	LINE("1:x:u:h:1:\0\a\xff", "malformed (malformed input, 13 bytes): \"1:x:u:h:1:\\0\\a\\xff\"", "preview escapes control and non-UTF-8 bytes");
	LINE("\0\0\0", "malformed (input truncated, 3 bytes): \"\\0\\0\\0\"", "NULs only");
	LINE("IP2:1f:abc:Z", "IPDICT (Windows IPDict form, 12 bytes, not decoded)", "IPDict");
	LINE("1:13:u:h:254:\0\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "IPTUX_SENDICON #13 u@h payload=16 bytes", "iptux icon payload");
	LINE("1:14:u:h:2:a\0b\0", "BR_EXIT #14 u@h nick=\"a\" group=\"b\"", "BR_EXIT line");
}

static void test_json(void)
{
	static const char pkt[] = "1:1700000123:srv:SRVPC:19:    0\a    1\a" TARO_SJ "\aPC-A\a0\a192.168.1.10\a30985\a\b\a\b\a\0";
	struct ct_ipmsg_desc d;
	struct ct_json *o = ct_json_obj(), *back = NULL;
	char *txt;
	const struct ct_json *body, *hosts, *h0;
	int64_t v;

	is_int(ct_ipmsg_describe(pkt, sizeof pkt - 1, &d), 0, "describe ANSLIST");
	is_int(d.err, 0, "parsed");
	is_str(d.kind, "anslist", "kind");
	ct_ipmsg_desc_json(&d, o);
	txt = ct_json_print(o, 0);
	ok(txt && ct_json_parse(txt, strlen(txt), &back) == 0, "JSON is valid");
	is_str(ct_json_get_str(back, "command_name"), "ANSLIST", "command_name");
	ok(ct_json_get_i64(back, "packet_no", &v) == 0 && v == 1700000123, "packet_no");
	ok(ct_json_get_i64(back, "length", &v) == 0 && v == (int64_t)sizeof pkt - 1, "length");
	body = ct_json_get(back, "body");
	ok(body && ct_json_is_obj(body), "body object");
	is_str(ct_json_get_str(body, "kind"), "anslist", "body kind");
	is_str(ct_json_get_str(body, "variant"), "windows", "variant");
	hosts = ct_json_get(body, "hosts");
	ok(hosts && ct_json_arr_len(hosts) == 1, "one host");
	h0 = ct_json_arr_at(hosts, 0);
	is_str(ct_json_get_str(h0, "user"), TARO_U8, "CP932 user decoded to UTF-8 in JSON");
	is_str(ct_json_get_str(h0, "state"), "gone", "status 0 is gone");
	ok(ct_json_get_i64(h0, "port", &v) == 0 && v == 2425, "port unswapped");
	ok(ct_json_get(back, "error") != NULL && ct_json_get_str(back, "error") == NULL, "error is null");
	free(txt);
	ct_json_free(back);
	ct_json_free(o);
	ct_ipmsg_desc_fini(&d);

	/* malformed: same keys, nulls, error text */
	o = ct_json_obj();
	ct_ipmsg_describe("1:x:u:h:1:", 10, &d);
	ct_ipmsg_desc_json(&d, o);
	txt = ct_json_print(o, 0);
	ok(txt && ct_json_parse(txt, strlen(txt), &back) == 0, "JSON of a bad datagram is valid");
	is_str(ct_json_get_str(back, "error"), "malformed input", "error named");
	ok(ct_json_get(back, "packet_no") && ct_json_get_i64(back, "packet_no", &v) != 0, "packet_no null");
	ok(ct_json_get(back, "body") != NULL, "body key present");
	free(txt);
	ct_json_free(back);
	ct_json_free(o);
	ct_ipmsg_desc_fini(&d);

	/* entry JSON: vs object, nick/group, invalid UTF-8 stays valid JSON */
	o = ct_json_obj();
	ct_ipmsg_describe(LIT("1:1:u:h:16777217:n\xff\0g\0\nVS:00010002:4:99:103\nNN:x\xfe"), &d);
	ct_ipmsg_desc_json(&d, o);
	txt = ct_json_print(o, 0);
	ok(txt && ct_json_parse(txt, strlen(txt), &back) == 0, "entry JSON valid");
	is_str(ct_json_get_str(back, "nick"), "x\\xfe", "nick from the block, bad byte escaped");
	body = ct_json_get(back, "body");
	ok(ct_json_get_i64(ct_json_get(body, "vs"), "minor", &v) == 0 && v == 99, "vs.minor 99");
	free(txt);
	ct_json_free(back);
	ct_json_free(o);
	ct_ipmsg_desc_fini(&d);
}

int main(void)
{
	test_lines();
	test_json();
	return tap_done();
}
