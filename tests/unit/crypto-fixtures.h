/* crypto-fixtures.h: fixed test-only RSA keys and known answers for t-crypto and fuzz-crypto (made with the openssl command line and Python, independent of crypto.c). */
#ifndef CT_CRYPTO_FIXTURES_H
#define CT_CRYPTO_FIXTURES_H

/* TEST KEYS ONLY: published here, never use them for anything else. */
static const char FX_PEM_A2048[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEuwIBADANBgkqhkiG9w0BAQEFAASCBKUwggShAgEAAoIBAQDG3iT436Kkh0Zk\n"
	"gdCh+C5MgKTppbzeS6VX6Gqa5tsvtXnZZ5GfunB8Zdzgunf2tmmFdLMvyelMP3M1\n"
	"Fc1wqeAiFJms2v8b97CCj0fDsHENtbf7HpTa+lNofWal6pPiHkzAE5qglkFjoLJ0\n"
	"d0ZKR+th5UUG0b9Scf6PBfkYiB8n8B9u7SbLI8ZgxDFPwos/ChV0YsQI8FeSH3Ke\n"
	"4/0n1o+Sjm35NFZ4TCbpYbvTvMsPo1wHdPyX6whIZd8ysE49GkXOAeeMUM28dVcc\n"
	"VZMobhMeR8mG2zPZu3cBOorkw/oK1OrXGD6TgucfndMRwrc2wH1rp0UqLMOkk4cY\n"
	"/mBp38ILAgMBAAECgf837kJ3vG4B2An0Oo5y/1oGKig3jmWQH7ZhAvz4k/URdfjP\n"
	"LFHImqcIVZ3JlqgmuybyYeADkMYMq8u7ImalSSHAdArEktMtCnyaO7HzV6x0LqeP\n"
	"+QnkjILo4Fv+TftJnTv4yYqzn47Edm26U9FxEskgv1qqkFM+3NC7aPKl86LPmDlX\n"
	"IzkN39xIhhPoIHz7r1WuTeCNC7CJj5vEGw7nHz3C51CACt1O8h2RwIlBG7acWvAB\n"
	"zoOS3zk9SHIaEO/FTucOz4EKITm4oBGEMa+svfWwWF0KkamNlX5gurwIl/kI7mE8\n"
	"wl5ectWT0NR1I3ANkmMt1lpJWgbMfCuPmf2CroECgYEA/5WVcfs1gx/l25B6Jn97\n"
	"qg9VffNGMW33vYctn0JHjPGJE6TYudDY0oNVgeGn3BW8HZF4zdRLCe6CL5iI55Op\n"
	"nsdoNidrU8g7cshp/9js9UthqsesbDnfZtdGJWVCU02OTy1iQ2tFHRpWpzainqml\n"
	"5aVsFCh8UyjTxtMSkFO/UWkCgYEAxzDyJeh5O5TV8Kk4xFtin21yZpl+oINDoibz\n"
	"b6Tq8UQPwAFPphLKth9oS7NYmqRThEisG6JAttgWlVhVfJM8ew67QCYywZhP+ShR\n"
	"91UXv9jtC5hP1WmmkEy3jXOsS52eBbr+fkHHu7S+nKl1zTQuXDc1vsnZ/iu1MeMt\n"
	"aJO81VMCgYAGljtQwbGiXHsXCoUrYtO0EUsZwOBJO9VLrCUv2oxvhHYM7I2tVEWS\n"
	"P1I/06n40RKVDH+5hkQc0GnIgjzdAwA3GFqGMsPgV+O4VJPuxQ9uTvAIb7bw3xjz\n"
	"1I55Pj/UV8ZYIgpLRIN2eYxMKOtN/X9KCNZdOqHhnsa+dAghchcXKQKBgGCWkGTn\n"
	"ZJoKou8u73LvqVQLe1TbC3cED7C6WIMDolVZnpWJTTkHlbpYYneKwOVD16emoaZI\n"
	"uD6xa8oBanqc3tABJbWGkEgl9mmoLo7TeU+y/ccIlXWz5GvGd58kvyBvjqfStAM/\n"
	"HH4dt+w5lADsU6qtrucT9Bv2z8cgFO3H7eI3AoGBAOHcrHnYJsxPpfTXiFm5uU5+\n"
	"BY9REe6O9g19zQWld+wRebeX+xTI9mnCxJNE44YYNfAM54s4fqyvI5PiObAXgYDT\n"
	"p8u3xVXNIGV30L5sCW9OWavJ8R+oW7iFL471OjtKHaDZoCP+m5arXYiuKXEj8KdF\n"
	"yIhSD2IIZ8WJpF9AqkLF\n"
	"-----END PRIVATE KEY-----\n";

static const char FX_PEM_A1024[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAMMeK5K233hd7gTp\n"
	"R48Sadc5KH3rcGcocg5uUf68D6roeNPfizgWPbUxs48aM+OBI2iP71S4P+1Be7jN\n"
	"RyxMc8eYtYFSMkDAf+cqTlTbyIwvr7opfmqIzoBepb8mMnKii88WRNVZr62TOquc\n"
	"rbewB8hcCzERHLIXagLx7l7COwy3AgMBAAECgYEAk7h2wrfjDk0G0/8NZztImGI0\n"
	"zsh+LAuJ9nT9bP9SWVFxkO7whwEHrPO4/sGWwUpW1WYLizeHZoeqNKptlRM4n3Su\n"
	"SvtGLIqogfMRxKqs2XY/IJ5kg0sqmOBSjB0HOqwaBrbCgnqWyBlXeK7FNRZrnvEC\n"
	"STJPvD0H3s+lxPmtnvECQQDqEoDkv8EXsvqrOIuQgYdyv8dTUxcMgpeonzDi2mMk\n"
	"cF3HdpZYcixkNfzeSAU9UxpXu/4wnq+o+GBLckSEjKEJAkEA1WV3PkSN2AEzvcUD\n"
	"7gLgQSrq3hvr4Prg5mI1C/sFOTQN8mW/w+73zjuoPIBvN1zKZBWbaoPTnCbKyerZ\n"
	"MpxvvwJBAMoth1WN51vwBSIlai88ImFUEvf+2fa9Sf+k2NXpKh9MS0RBQuVMYNmB\n"
	"5FOew5/Piv5i69DVEAcT2iDwpwwSZ/kCQHRe188qHVwNE8VKGiGCif6fw+MJwPE4\n"
	"fsrEBX+aDTgrrethF1lnCNX7bHxJ4dyECo7XxaApcY13DiFco8NY0gsCQHL7aGBk\n"
	"vy7aWHmYxG+UTBcDmZcFrJOq6xq3FFuoO2/STkqfNkMXyktworQoqGf5K3LlDx9n\n"
	"dbx4H1HfE9A5iyM=\n"
	"-----END PRIVATE KEY-----\n";

static const char FX_PEM_B2048[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDl7gsf6FkDokRi\n"
	"9D2/7QbX7LQ5YRvpKA+zAKlKOp7FmAc1pCf49nBrtNznMX2Zv+4YP06+Ydnc9Ui/\n"
	"CTBnZgDNJ1jkAPsm+uCc1YfBzdgyyLFGBjkGYS7pBVAdK8phEuAa4Jr6NrjG7658\n"
	"GEftcVJKXhyxMn/VjaiGKJwk3vz2cng3VmWcn0EKHXOh8XA8z9CaChZp6RcO8xjA\n"
	"rWvw3LzQvlrDCBCkSlYaf318SK2rAyhwEnsQ4JjJW0IvTH0XegPHrkM6/64IYCMq\n"
	"1JcfkDi2srqVkbHa6PN+XILBt2uR/jfxbG7kkc29CHSNBgcq7r/XQN/OuuMjMyIK\n"
	"D9RzmTA9AgMBAAECggEABUdqg02xrX8DlESzSOgc6Mbgeb4cW/AK3Ds+/RtMxeXw\n"
	"VG+eaKg6ezPogSOxFInu4ij3RTEN8CAZjs6b3o6IT4LVwaEGzdBOE+EQgDHvrXV6\n"
	"IczGxmS4z6ogOsCPTEdDVJqk3usetu04flTjDIqLhHWWBw4ibTlsDcMk7UZ0Bwcd\n"
	"SrICPUN4Mk89ZIt7AxgHwQMORIR/KWkgovm3zHZnq/BfFs9B7eLvcHitMsWOJDAI\n"
	"cuaVBo6Xn9G9/IDebt/FqonvdBuz36zaWwj/+IYUVOQ3JkSWTzb03a/87YBN/dJb\n"
	"CYj/0RdutXQkJKN/odxRShPgf+suVkmG12vXl1xUQQKBgQD+2HCAgt+yTHKuj5tI\n"
	"tYrSfXTPRFQkSpbLVxiNP0e0UjCy9G8ohZzxjh5EAedSUPUEwREz3PFRf3rr9Ts4\n"
	"sTdZ6XqNAbcFORDcYcCRTybITFAr/upTILzvJDm3exqzWZcsTtKBjs+l5SWN1Vdn\n"
	"qwbeYzEwhabqUG2lK7KXBybnRQKBgQDm+LUwpuX8r+zVcQLczA3zYsTP5XrqRqL1\n"
	"Q4YbO1vYHehyhfJF9FYOj08h+sMzW0XzF6Jaoa57ZN2lzzBpwo2orkqC8sOAbEeO\n"
	"8Vcczpap3sd/iL9RYHbdHGahgkp1nk/8y4qcj56S/hRPRqiQv//YMt7QU65MvBwQ\n"
	"1xoloGiYmQKBgE+6OOALkZ4/SnWQGd2SZh7Z/uxFDSnZZ/mvgs/Vp0IjoHasAAam\n"
	"XmY3twJBsjPPfggBurcF/T0o67TcIK3oy09Guv9YNQDeTIcV0d/j6lcpgL9y3a4q\n"
	"BNGv/JqJWd4YPjIvaq37lrzoxmnr/49AM0Lpt17dwU124gaVeCbFpwcdAoGACYXL\n"
	"gpv+83IVY59rLMtE7/nsf13IuYv7//yutMS3vqtNABvBp1yxh5wk+ROrpJxov+MD\n"
	"kJUF6pR4BvQJ3PJmgMPe0pNLuCm+sYgFvWxPDeXfd8Sdjq9ZdzhKivIiO8MxLQz/\n"
	"RAEv2oObNsGFBaLE25cNVK1+jC9dQNx9eXuplFECgYEArgwsRGeXaDff5QFufXyJ\n"
	"tVTKVePOxuPFDrR5E7nNhZUXwobbMTdJ1hdjLHXZLpDUx6vqAHDGpBi8kxvTui3m\n"
	"Yc6zHyrvDH3kmT91y5L74y4HnQOVkQVNuVWJdXvtxFbtS7y7bU8ADGzZSkXk7+0s\n"
	"WRFJAWrTqWu+V7aHVMO7ATs=\n"
	"-----END PRIVATE KEY-----\n";

static const char FX_PEM_B1024[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMR12AdWSiQEjEki\n"
	"d6OPSTwl+7jthVjQ7XJjyoOesf0he9uZXj5zGFImH2YlxIZ/XALWojuD1tQHVGQk\n"
	"yymqVHl53CNZlJ53wZXZc1KbIajHRbgYNcErBLqAfm0vvahTro06rFVXbXpQN91s\n"
	"HAZN0TWBr9FM99kctWNiSNc6vS05AgMBAAECgYA4z/tQ49s83zPSUm1WlzEOe813\n"
	"hPhy3rhLxB/kQBgoo2416vweAxqdZvjdiT5zxpDNIVR48X9GgXgeHaXCvsb+eBjB\n"
	"1e6bIxEcappXXl3GS0XgSsDihTK7+5jfIVxqJlidyzNbMiXvdEvQXLF7yKaQNs7c\n"
	"p2ZUlUaTg0azJ4mYAQJBAO3UVszzVmc2Z2XPylPO26qIr7nPh3Tqy5I3v0Y7mR9y\n"
	"0B93oFj9PNxI7D9IPhkNkuLT4OTkBxsU2ZsmgtjlNiECQQDTeF+/hX64vVRU25cS\n"
	"1/qzUjgECw66dfyRtYO81JJaxjgHoYwuFCYwdU8TFV6ZqbBFnKz/wb9DSVI1b52Q\n"
	"dmQZAkB7zRPeHjF1CtHqIq9czwp0DDEFVW1axDpyA8jyw2VjBH4oUzpJ+JDszp0E\n"
	"GBQTMIiswMSKAdVdGI5qADMOusphAkA7ypM38aTM0yte+t+SQmLuBNc1vXKioe2R\n"
	"vULMR0ZCSD1bWv/pn2TU2rZK7QXcaLAgXpZDkiJkAf0ugqqISBExAkEAm443mtVy\n"
	"dFQrIyN5Pbg4z7M5WIjLM8D/0gAKAy7wWrzUm4d8CzWyoCOtt4bU2jhBk59Y0rPQ\n"
	"l71ZItyljGRb1w==\n"
	"-----END PRIVATE KEY-----\n";

/* the plaintext signed below: "hello, world\n" and its NUL (14 bytes) */
#define FX_PLAIN "hello, world\n"
#define FX_PLAIN_LEN 14
/* openssl dgst -sha256|-sha1 -sign a2048.pem: RSASSA-PKCS1-v1_5, big-endian */
static const char FX_SIG_SHA256_A[] = "2083683ef05863601e4b10330834fbf68538e444aed908c9cbccd4a1f26d8f89167e6720b8eba6d3823b9fc524b82e03e1f2c1a0ae1412170a1dd6e944de69c17bfd1e5022e2fe8a89a65b802de3ddcb5c1afd14a26b8aeebc840fbce0fe2fdc4feb54bf73b48dbc906e6c80e1613af0f470ccc5963f79a7b5be4a9810142ce56cd1a8a9a52b33d9db528165440125dfb1f383c74626f8393f5c373f9cb4e4e5c98d30c1d3c212ef5b1b04f9d1447480eefa010459def77dd7a617c424d7e143467170e44f2e21758cd741946cf08af2f195e1993562bca37db0290b2dcc751b46b4af58b1a44914feade2a82626754da1e8023f364056cb771802e4916bb5d3";
static const char FX_SIG_SHA1_A[] = "2ba73221dbe3bd796a2e07e0835b61feeceefa7bdddd0b7f2fb324574ee24c0dfb6f531f130a9516e1341d32f73cd58b7946a27226256bc4177ca4dac94b98d8ed585ba059959455baf2c6c33d8a5718a1a23015af6c2aabc104efe931e9f01dc0cf04ed08a585545933f4d7edbceaf3862a04cc6c03c81dbc434e92f0d5de94bff75c9e8245a8de982de37ee888c9877f75dd352ae70224faeae1950a5e4d0627332eb4a5204e05670cbfe66fddd52c1201b8dce826a90c669f393b1b500ffc5831a834585fb86c392e3948b0f83bbd35e4b85548f9a1a422b8790c47c949a4ac873f470f601d4b0dc21909521cdced3c73dcccb6e21077f8de58104d13492a";
/* openssl rsa -modulus (lowercased), and the name fingerprints computed in Python per crypto-interop §2.2i */
static const char FX_MOD_B2048[] = "e5ee0b1fe85903a24462f43dbfed06d7ecb439611be9280fb300a94a3a9ec5980735a427f8f6706bb4dce7317d99bfee183f4ebe61d9dcf548bf0930676600cd2758e400fb26fae09cd587c1cdd832c8b146063906612ee905501d2bca6112e01ae09afa36b8c6efae7c1847ed71524a5e1cb1327fd58da886289c24defcf672783756659c9f410a1d73a1f1703ccfd09a0a1669e9170ef318c0ad6bf0dcbcd0be5ac30810a44a561a7f7d7c48adab032870127b10e098c95b422f4c7d177a03c7ae433affae0860232ad4971f9038b6b2ba9591b1dae8f37e5c82c1b76b91fe37f16c6ee491cdbd08748d06072aeebfd740dfcebae32333220a0fd47399303d";
static const char FX_MOD_B1024[] = "c475d807564a24048c492277a38f493c25fbb8ed8558d0ed7263ca839eb1fd217bdb995e3e731852261f6625c4867f5c02d6a23b83d6d407546424cb29aa547979dc2359949e77c195d973529b21a8c745b81835c12b04ba807e6d2fbda853ae8d3aac55576d7a5037dd6c1c064dd13581afd14cf7d91cb5636248d73abd2d39";
static const char FX_FPR_A2048[] = "0adf07fe4ba384f4";
static const char FX_FPR_B2048[] = "eaa44aac03396594";

#endif
