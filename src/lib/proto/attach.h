/* attach.h: file attachments (§6): attachment lists, GETFILEDATA/GETDIRFILES requests, directory-stream headers. */
#ifndef CT_ATTACH_H
#define CT_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

/* File types (attr & 0xFF) and attribute options (§6.2) */
#define CT_IPMSG_FILE_REGULAR 0x01u
#define CT_IPMSG_FILE_DIR 0x02u
#define CT_IPMSG_FILE_RETPARENT 0x03u
#define CT_IPMSG_FILE_SYMLINK 0x04u
#define CT_IPMSG_FILE_CDEV 0x05u
#define CT_IPMSG_FILE_BDEV 0x06u
#define CT_IPMSG_FILE_FIFO 0x07u
#define CT_IPMSG_FILE_RESFORK 0x10u
#define CT_IPMSG_FILE_CLIPBOARD 0x20u
#define CT_IPMSG_FILE_RONLYOPT 0x0100u
#define CT_IPMSG_FILE_HIDDENOPT 0x1000u
#define CT_IPMSG_FILE_EXHIDDENOPT 0x2000u
#define CT_IPMSG_FILE_ARCHIVEOPT 0x4000u
#define CT_IPMSG_FILE_SYSTEMOPT 0x8000u
/* Extended attribute keys (hex) */
#define CT_IPMSG_FILE_UID 0x01u
#define CT_IPMSG_FILE_USERNAME 0x02u
#define CT_IPMSG_FILE_GID 0x03u
#define CT_IPMSG_FILE_GROUPNAME 0x04u
#define CT_IPMSG_FILE_CLIPBOARDPOS 0x08u
#define CT_IPMSG_FILE_PERM 0x10u
#define CT_IPMSG_FILE_MAJORNO 0x11u
#define CT_IPMSG_FILE_MINORNO 0x12u
#define CT_IPMSG_FILE_CTIME 0x13u
#define CT_IPMSG_FILE_MTIME 0x14u
#define CT_IPMSG_FILE_ATIME 0x15u
#define CT_IPMSG_FILE_CREATETIME 0x16u
#define CT_IPMSG_FILE_CREATOR 0x20u
#define CT_IPMSG_FILE_FILETYPE 0x21u
#define CT_IPMSG_FILE_FINDERINFO 0x22u
#define CT_IPMSG_FILE_ACL 0x30u
#define CT_IPMSG_FILE_ALIASFNAME 0x40u
#define CT_IPMSG_FILE_UNICODEFNAME 0x41u

#define CT_ATTACH_MAXEXT 16

/* key=value extended attribute; val is the hex text as sent ("65000000", or "a,b" lists). */
struct ct_attach_ext {
	uint32_t key;
	const char *val;
};

/* One attachment (list entry or directory-stream header). Strings live in the owner's buffer. */
struct ct_attach_file {
	uint32_t id;          /* decimal fileID (list only) */
	const char *name;     /* file name with "::" unescaped to ':' */
	uint64_t size;        /* hex */
	uint64_t mtime;       /* hex Unix time (list only; streams carry 14=) */
	uint32_t attr;        /* hex type | options; REGULAR when missing */
	int has_attr;
	size_t next;          /* extended attributes stored */
	int bad_ext;          /* extended attributes that were not key=value (ignored) */
	struct ct_attach_ext ext[CT_ATTACH_MAXEXT];
};

/* A parsed attachment list (the section after the message text of SENDMSG|FILEATTACHOPT). */
struct ct_attach_list {
	char *buf;
	size_t n;
	struct ct_attach_file *f;
};

/* Parses "id:name:size:mtime:attr[:k=v]:\a..." (iptux's ":\a:" form too; empty fields collapse
 * like Windows). CT_EFORMAT on a bad number, CT_ETRUNC when an entry lacks size or mtime; the
 * entries before the fault stay in l. Call ct_attach_list_fini() always. */
int ct_attach_list_parse(const char *s, size_t len, struct ct_attach_list *l);
void ct_attach_list_fini(struct ct_attach_list *l);
/* Appends one list entry "id:name:size:mtime:attr[:k=v...]:\a"; escape=1 doubles ':' in the
 * name (spec, Mac), 0 writes it raw (iptux). CT_EINVAL if the name is empty or holds \a. */
int ct_attach_list_add(struct ct_sbuf *b, const struct ct_attach_file *f, int escape);
/* Name of a file type ("regular", "dir", "retparent", ...), or NULL if unknown. */
const char *ct_attach_type_name(uint32_t attr);
/* Name of an extended attribute key ("mtime", "clipboardpos", ...), or NULL. */
const char *ct_attach_ext_name(uint32_t key);

/* A GETFILEDATA / GETDIRFILES request body: hex numbers (§6.3, §6.4). */
struct ct_attach_req {
	uint32_t packetno;    /* packet number of the SENDMSG that announced the file */
	uint32_t fileid;
	uint64_t offset;      /* GETFILEDATA only */
	int has_offset;
};

/* Parses "pkt:fileid[:offset]:" (hex); CT_ETRUNC if fewer than two fields, CT_EFORMAT/CT_ERANGE. */
int ct_attach_req_parse(const char *body, size_t len, struct ct_attach_req *r);
/* Appends "%x:%x:%llx:" (has_offset, GETFILEDATA) or "%x:%x:" (GETDIRFILES). */
int ct_attach_req_build(struct ct_sbuf *b, const struct ct_attach_req *r);

/* A directory-stream record header "hsize:name:size:attr[:k=v]:" (§6.4). */
struct ct_attach_dirhdr {
	char *buf;
	size_t hsize;         /* header length in bytes, hsize field and final ':' included */
	struct ct_attach_file f; /* name, size, attr, ext (id and mtime unused) */
};

/* Parses the header at the start of data. 0: h filled, h->hsize bytes consumed (contents of
 * f.size bytes follow for REGULAR files). CT_ETRUNC: need more bytes (*need = total bytes
 * needed when known, else 0). CT_EFORMAT: bad hsize or fields. Call ct_attach_dirhdr_fini(). */
int ct_attach_dirhdr_parse(const char *data, size_t len, struct ct_attach_dirhdr *h, size_t *need);
void ct_attach_dirhdr_fini(struct ct_attach_dirhdr *h);
/* Appends a header: size written with at least size_digits hex digits (Windows 9, Mac 0),
 * upper=1 for uppercase hex (Mac), escape=1 to double ':' in the name. CT_ETOOBIG if > 0xFFFF. */
int ct_attach_dirhdr_build(struct ct_sbuf *b, const struct ct_attach_file *f, int size_digits,
	int upper, int escape);

/* RELEASEFILES (UDP) carries the decimal packet number of the SENDMSG: ct_body_pktno_parse()
 * and ct_body_pktno_build() in bodies.h. */

#endif
