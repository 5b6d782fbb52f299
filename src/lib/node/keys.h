/* keys.h: our RSA key pairs in the state directory (0600, created on first start) and the cache of peers' public keys. */
#ifndef CT_KEYS_H
#define CT_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include "crypto.h"

/* File names inside the state directory. They hold private keys: never logged, never read by
 * `camtrace bundle` (which takes the daemon's state only through the control socket). */
#define CT_KEYS_FILE_2048 "key-rsa2048.pem"
#define CT_KEYS_FILE_1024 "key-rsa1024.pem"

/* Loads both key pairs from dir, or creates the missing ones (RSA-2048 and RSA-1024, written
 * 0600 through a temp file and a rename; a key file is never replaced). A key file that is a
 * symbolic link, not a regular file or not owned by us is refused (CT_EPERM); one readable by
 * group or others is tightened to 0600 (logged, without its contents). *created counts the
 * key files made now. 0, CT_EPERM, CT_ESYS, CT_EFORMAT (unreadable PEM: the file is left as
 * it is, the error names it) with err. */
int ct_keys_open(const char *dir, struct ct_crypt_keys **keys, int *created, char *err, size_t errlen);

/* Peers' public keys from ANSPUBKEY, by a caller-chosen name (the address), each with the
 * identity ("user@host") of the program that gave it, bounded: the least recently stored entry
 * is evicted first. An address is not an identity (DHCP gives it to another machine, another
 * program answers on it): a lookup with a different identity drops the entry. */
struct ct_keycache_ent {
	char who[160];
	char id[160];        /* "user@host" of the ANSPUBKEY ("": not known) */
	struct ct_crypt_pub *pub;
	uint64_t stored_ns;  /* ct_mono_ns() when stored */
};
struct ct_keycache {
	struct ct_keycache_ent *v;
	size_t n, max;
};
void ct_keycache_init(struct ct_keycache *kc, size_t max);
void ct_keycache_fini(struct ct_keycache *kc);
/* Takes ownership of pub (freed on error too); replaces an older key of who. id: the identity
 * of the program that answered (NULL: not known). */
int ct_keycache_put(struct ct_keycache *kc, const char *who, const char *id, struct ct_crypt_pub *pub);
/* who's key. id (NULL or "": not known, any entry does) is the identity now seen at who: an
 * entry stored with another one is dropped (logged: "the host at WHO is now ID, was OLD") and
 * NULL returned, so the caller fetches the key of the program that is there now. */
const struct ct_crypt_pub *ct_keycache_get(struct ct_keycache *kc, const char *who, const char *id);
/* Drops who's key; 1 if there was one. */
int ct_keycache_drop(struct ct_keycache *kc, const char *who);
/* The message engine calls this with every message text received from who: when it is the
 * "AutoReply(DecryptErr)" answer, who's cached key is dropped and 1 is returned (send
 * GETPUBKEY again before the next encrypted message); else 0. */
int ct_keycache_on_text(struct ct_keycache *kc, const char *who, const char *text, size_t len);

#endif
