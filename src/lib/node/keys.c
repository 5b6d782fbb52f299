/* keys.c: our RSA key pairs kept in the state directory (0600, made on first start) and the bounded cache of peers' public keys. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "clock.h"
#include "err.h"
#include "fsutil.h"
#include "keys.h"
#include "log.h"
#include "sbuf.h"
#include "util.h"

#define KEY_FILE_MAX 16384

/* Reads a key file into b: 1 read, 0 missing, <0 with err. */
static int key_read(const char *path, struct ct_sbuf *b, char *err, size_t errlen)
{
	struct stat st;
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open key file %s: %s%s", path, strerror(errno),
			errno == ELOOP ? " (a symbolic link: refused)" : "");
		return errno == ELOOP ? CT_EPERM : CT_ESYS;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size > KEY_FILE_MAX) {
		snprintf(err, errlen, "key file %s is not a regular file of ours under %d bytes: refused", path, KEY_FILE_MAX);
		close(fd);
		return CT_EPERM;
	}
	if (st.st_mode & 077) {
		log_warn("key file %s was mode %04o: tightened to 0600", path,
			(unsigned)(st.st_mode & 07777));
		if (fchmod(fd, 0600) != 0) {
			snprintf(err, errlen, "cannot make key file %s 0600: %s", path, strerror(errno));
			close(fd);
			return CT_ESYS;
		}
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		ct_sbuf_add(b, buf, (size_t)n);
	explicit_bzero(buf, sizeof buf);
	close(fd);
	if (n < 0 || b->err) {
		snprintf(err, errlen, "cannot read key file %s: %s", path, n < 0 ? strerror(errno) : "out of memory");
		return CT_ESYS;
	}
	return 1;
}

/* Writes pem to path as a new 0600 file (temp file, fsync, rename without replacing). */
static int key_write(const char *dir, const char *path, const char *pem, size_t len, char *err, size_t errlen)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || ct_fs_write_full(fd, pem, len) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write key file %s: %s", tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return CT_ESYS;
	}
	close(fd);
	/* link() fails if path appeared meanwhile: an existing key is never replaced */
	if (link(tmp, path) != 0) {
		snprintf(err, errlen, "cannot create key file %s: %s", path, strerror(errno));
		unlink(tmp);
		return CT_ESYS;
	}
	unlink(tmp);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int ct_keys_open(const char *dir, struct ct_crypt_keys **keys, int *created, char *err, size_t errlen)
{
	static const struct { const char *file; int bits; } f[2] = {
		{ CT_KEYS_FILE_2048, 2048 }, { CT_KEYS_FILE_1024, 1024 },
	};
	struct ct_sbuf pem[2];
	struct ct_crypt_keys *fresh = NULL;
	char path[2][4096];
	int have[2], r = 0;

	*keys = NULL;
	if (created)
		*created = 0;
	for (int i = 0; i < 2; i++) {
		ct_sbuf_init(&pem[i]);
		if ((size_t)snprintf(path[i], sizeof path[i], "%s/%s", dir, f[i].file) >= sizeof path[i]) {
			snprintf(err, errlen, "state directory path too long: %s", dir);
			r = CT_EINVAL;
		}
	}
	for (int i = 0; i < 2 && r == 0; i++)
		if ((have[i] = key_read(path[i], &pem[i], err, errlen)) < 0)
			r = have[i];
	if (r == 0 && (!have[0] || !have[1])) {
		r = ct_crypt_keys_generate(&fresh, err, errlen);
		for (int i = 0; i < 2 && r == 0; i++) {
			if (have[i])
				continue;
			if ((r = ct_crypt_keys_to_pem(fresh, f[i].bits, &pem[i])) != 0) {
				snprintf(err, errlen, "cannot encode the new RSA-%d key", f[i].bits);
				break;
			}
			if ((r = key_write(dir, path[i], pem[i].p, pem[i].len, err, errlen)) != 0)
				break;
			log_notice("created RSA-%d key pair in %s", f[i].bits, path[i]);
			if (created)
				(*created)++;
		}
		ct_crypt_keys_free(fresh);
	}
	if (r == 0) {
		char why[256] = "";
		r = ct_crypt_keys_from_pem(keys, pem[0].p, pem[0].len, pem[1].p, pem[1].len, why, sizeof why);
		if (r != 0)
			snprintf(err, errlen, "key files %s and %s: %s (left as they are: move them aside to make new ones)",
				path[0], path[1], why);
	}
	for (int i = 0; i < 2; i++) {
		if (pem[i].p)
			explicit_bzero(pem[i].p, pem[i].cap);
		ct_sbuf_fini(&pem[i]);
	}
	return r;
}

void ct_keycache_init(struct ct_keycache *kc, size_t max)
{
	memset(kc, 0, sizeof *kc);
	kc->max = max ? max : 1;
}

void ct_keycache_fini(struct ct_keycache *kc)
{
	for (size_t i = 0; i < kc->n; i++)
		ct_crypt_pub_free(kc->v[i].pub);
	free(kc->v);
	memset(kc, 0, sizeof *kc);
}

static struct ct_keycache_ent *find(const struct ct_keycache *kc, const char *who)
{
	for (size_t i = 0; i < kc->n; i++)
		if (strcmp(kc->v[i].who, who) == 0)
			return &kc->v[i];
	return NULL;
}

int ct_keycache_put(struct ct_keycache *kc, const char *who, const char *id, struct ct_crypt_pub *pub)
{
	struct ct_keycache_ent *e;

	if (!who || !pub || strlen(who) >= sizeof e->who) {
		ct_crypt_pub_free(pub);
		return CT_EINVAL;
	}
	if (!(e = find(kc, who))) {
		if (kc->n == kc->max) {
			size_t old = 0;
			for (size_t i = 1; i < kc->n; i++)
				if (kc->v[i].stored_ns < kc->v[old].stored_ns)
					old = i;
			ct_crypt_pub_free(kc->v[old].pub);
			kc->v[old] = kc->v[--kc->n];
		}
		if (!kc->v) {
			kc->v = calloc(kc->max, sizeof *kc->v);
			if (!kc->v) {
				ct_crypt_pub_free(pub);
				return CT_ENOMEM;
			}
		}
		e = &kc->v[kc->n++];
		ct_strlcpy(e->who, who, sizeof e->who);
	} else {
		ct_crypt_pub_free(e->pub);
	}
	e->pub = pub;
	ct_strlcpy(e->id, id ? id : "", sizeof e->id);
	e->stored_ns = ct_mono_ns();
	return 0;
}

const struct ct_crypt_pub *ct_keycache_get(struct ct_keycache *kc, const char *who, const char *id)
{
	struct ct_keycache_ent *e = who ? find(kc, who) : NULL;
	char now[100], was[100];

	if (!e)
		return NULL;
	if (id && id[0] && e->id[0] && strncmp(e->id, id, sizeof e->id - 1) != 0) {
		ct_escape_bytes(id, strlen(id), now, sizeof now);
		ct_escape_bytes(e->id, strlen(e->id), was, sizeof was);
		log_notice("the host at %s is now %s, was %s: the cached public key is dropped and will be "
			"fetched again", who, now, was);
		ct_keycache_drop(kc, who);
		return NULL;
	}
	return e->pub;
}

int ct_keycache_drop(struct ct_keycache *kc, const char *who)
{
	struct ct_keycache_ent *e = who ? find(kc, who) : NULL;

	if (!e)
		return 0;
	ct_crypt_pub_free(e->pub);
	*e = kc->v[--kc->n];
	return 1;
}

int ct_keycache_on_text(struct ct_keycache *kc, const char *who, const char *text, size_t len)
{
	if (!ct_crypt_is_decrypt_err(text, len))
		return 0;
	if (ct_keycache_drop(kc, who))
		log_notice("%s answered AutoReply(DecryptErr): its cached public key "
			"is dropped and will be fetched again", who);
	return 1;
}
