/* decode-ipmsg.h: the IP Messenger layer of the trace: glue that asks the codec to parse and describe a datagram. */
#ifndef CT_DECODE_IPMSG_H
#define CT_DECODE_IPMSG_H

#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "sbuf.h"

#define CT_DIPMSG_MAXITEMS 16
#define CT_DIPMSG_MAXFILES 8

/* One fact from the body for the trace line / JSON ("len", "files", "next"...). */
struct ct_ditem {
	const char *key;      /* snake_case JSON key; also the text label */
	uint32_t klen;        /* strlen(key) */
	int is_str;
	int64_t num;
	size_t off, len;      /* string value: bytes [off, off+len) of the item text buffer (UTF-8) */
};

struct ct_dipmsg_memo;

/* The decoded IPMsg layer of one packet; reused from packet to packet (no per-packet setup). */
struct ct_dipmsg {
	int status;           /* 0 parsed; otherwise the codec's CT_E* code (malformed) */
	const char *why;      /* malformed: what is wrong, in words */
	int ipdict;           /* a Windows IPDict datagram ("IP2:"), recognised and not decoded */
	struct ct_ipmsg m;    /* the codec's parse (valid when status == 0) */
	struct ct_slice cmd_s; /* "SENDMSG|SENDCHECKOPT|UTF8OPT": into cmd or into the memo */
	struct ct_sbuf cmd;   /* the command formatted when the memo did not have it */
	const char *mode_name; /* "SENDMSG" (ct_codec_cmd_name), NULL for an unknown mode */
	/* The user and host as shown, UTF-8 whatever the wire charset (status 0; else empty): into user
	 * and host, or straight into the parsed datagram when they are plain ASCII (not copied). Valid
	 * until the next decode. */
	struct ct_slice user_s, host_s;
	struct ct_slice nick_s, group_s; /* likewise: into nick and group, or into the entry memo */
	struct ct_sbuf user, host, nick, group; /* UTF-8 when decoded here (not shown from elsewhere) */
	int has_nick;         /* entry-class packet: nick / group present */
	const char *charset;  /* "cp932", "utf-8" */
	struct ct_sbuf text;  /* backing store of the string items (unless text_view) */
	const char *text_view; /* the items' text in the entry memo (NULL: in text) */
	size_t text_view_len;
	struct ct_ditem item[CT_DIPMSG_MAXITEMS];
	size_t nitem;
	/* facts the matcher needs */
	int has_ref;          /* RECVMSG/READMSG/ANSREADMSG/RELEASEFILES: packet number in the body */
	uint32_t ref;
	int has_next;         /* ANSLIST: next index (0 = complete) */
	uint32_t next;
	int decrypt_err;      /* SENDMSG|AUTORETOPT with Windows' AutoReply(DecryptErr) text */
	int has_filereq;      /* GETFILEDATA/GETDIRFILES: the file asked for */
	uint32_t req_packetno, req_fileid;
	uint64_t req_offset;
	size_t nfile;         /* SENDMSG: the first CT_DIPMSG_MAXFILES announced files, id and size */
	uint32_t file_id[CT_DIPMSG_MAXFILES];
	uint64_t file_size[CT_DIPMSG_MAXFILES];
	int plain;            /* user, host, nick, group and every string item need no escaping
	                       * (ct_out_plain_len): the renderer copies them as they are */
	struct ct_dipmsg_memo *memo; /* results of the pure, costly steps, reused when the same input recurs */
};

/* 0 or CT_ENOMEM (then decoding still works, without reuse). */
int ct_dipmsg_init(struct ct_dipmsg *d);
void ct_dipmsg_fini(struct ct_dipmsg *d);
/* Decodes an IPMsg datagram (UDP) or the request at the start of a TCP stream. Returns 0 or the
 * codec's error (d->status, d->why say what is wrong); CT_ENOMEM only when memory ran out. */
int ct_dipmsg_decode(struct ct_dipmsg *d, const uint8_t *p, size_t n);
/* True if the bytes start like an IPMsg header ("1:<digits>:" or "1_..:<digits>:"). */
int ct_dipmsg_looks_like(const uint8_t *p, size_t n);
/* The string value of an item. */
static inline const char *ct_ditem_str(const struct ct_dipmsg *d, const struct ct_ditem *it)
{
	return d->text_view ? d->text_view + it->off : d->text.p ? d->text.p + it->off : "";
}

#endif
