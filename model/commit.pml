/*
 * commit.pml: a Promela model of the deltacat commit protocol (docs/FORMAT.md
 * sections 1, 5 and 6; src/storage/txn.c and log.c), checked with spin.
 *
 * What is modelled (see model/README.md for the abstraction argument):
 *  - NW writers, each running NTX transactions. A transaction stages its data
 *    files (two unique objects, one per table it touches), reads the latest
 *    version by probing from the advisory hint, then tries put_if_absent of the
 *    log entry at read_version + 1. On EEXISTS it reads the winners, checks each
 *    with the conflict rule and either fails (conflict) or retries one past the
 *    last winner (rebase). An I/O error from the put is an unknown outcome: the
 *    entry may or may not have landed; the writer reads the key back and
 *    compares its token.
 *  - The store: the log is an array of slots; a put_if_absent on a slot is an
 *    atomic compare-and-set (the one guarantee FORMAT.md 1 relies on). Staged
 *    objects are bits. The checkpoint hint `_checkpoints/_last.json` is a
 *    register written by plain (replacing) puts, so it can be stale and even go
 *    backwards.
 *  - Crashes: at every step a writer may crash (at most MAXCRASH crashes in a
 *    run); it then either stops forever or restarts from scratch with a new
 *    transaction, its local state lost and its staged objects garbage.
 *  - Faults: at most MAXFAULT puts fail; a failed put either did nothing or
 *    landed, and in both cases reports an error (FORMAT.md 6.3).
 *  - A garbage collector that removes unreferenced objects of writers that are
 *    no longer running (the grace period), at any moment.
 *  - A reader that opens the latest state at any moment, as log.c does: hint,
 *    exponential probe, binary search, then read the entries.
 *
 * The conflict rule is abstracted to its essential shape: a transaction is an
 * APPEND or an ADD to one of NPART partitions; two APPENDs to one partition
 * conflict, ADDs conflict with nothing (FORMAT.md 6.2).
 *
 * Properties (assertions on the global state, checked after every change of the
 * log or of the objects, by the reader on its view, and at the end; LTL for
 * progress):
 *  P1 gap-free: versions present are 1..maxv.
 *  P2 no lost commit: a transaction its writer was told committed has each of
 *     its effects in the log exactly once, from then on.
 *  P3 no duplicate: no effect of a transaction appears in two entries.
 *  P4 no phantom failure: a transaction reported as conflicting is not in the log.
 *  P5 conflict rule: for two conflicting entries i < j, j's read version >= i.
 *  P6 atomicity: a reader's view holds all or none of each transaction's
 *     effects, and every object an entry references exists.
 *  P7 freshness: a reader's latest version is at least every version present
 *     when it began (it never misses a committed version, whatever the hint).
 *  P8 (LTL) progress: see the ltl blocks at the end.
 *
 * Mutations (compile with spin -DMUT_x; each must make spin find a violation):
 *  MUT_OVERWRITE          the commit is a plain put (replace), not put_if_absent
 *  MUT_READER_TRUSTS_HINT the reader takes the hint as the latest version
 *  MUT_UNKNOWN_IS_FAILURE on an unknown outcome, assume nothing landed and put again
 *  MUT_UNKNOWN_IS_SUCCESS on an unknown outcome, assume it committed
 *  MUT_GUESS_NEXT         on an unknown outcome, assume another writer won and
 *                         try the next position without reading
 *  MUT_NO_CONFLICT_CHECK  rebase without checking the winners
 *  MUT_SPLIT_COMMIT       one log entry per table touched (two puts per transaction)
 *  MUT_GC_NO_GRACE        the garbage collector removes staged objects of live writers
 *  MUT_RETRY_SAME         on EEXISTS, retry the same position without reading (livelock)
 */

#ifndef NW
#define NW 3            /* writers */
#endif
#ifndef NTX
#define NTX 1           /* transactions per writer (a restart begins a new one) */
#endif
#ifndef MAXCRASH
#define MAXCRASH 1      /* crashes in a run, over all writers */
#endif
#ifndef MAXFAULT
#define MAXFAULT 1      /* puts that report an I/O error, over all writers */
#endif
#ifndef NAPPEND
#define NAPPEND 2       /* writers whose transactions append (the others add) */
#endif
#ifndef NPART
#define NPART 2         /* partitions a transaction may write */
#endif
#ifndef INTERVAL
#define INTERVAL 2      /* checkpoint interval: the hint is written at multiples */
#endif
#ifndef GCRUNS
#define GCRUNS 1        /* garbage collector sweeps, each at any moment */
#endif

#define NTOK (NW * NTX + MAXCRASH)    /* transactions (tokens) in a run */
#ifdef MUT_SPLIT_COMMIT
#define MAXV (2 * NTOK + 1)
#else
#define MAXV (NTOK + 1)               /* log slots: one per transaction, plus slack */
#endif

mtype = { APPEND, ADD };                    /* kinds of transaction */
mtype = { OK, EEXISTS, EIO, EIO_LAND, EIO_LATE };     /* put outcomes; EIO is an unknown outcome,
                                             * EIO_LAND (internal) lands, then says EIO */

/* ---- the store ---- */
byte e_tok[MAXV + 1];   /* log slot v: token of the transaction, 0 = absent */
byte e_eff[MAXV + 1];   /* effects it holds: bit 0 table A, bit 1 table B */
mtype e_kind[MAXV + 1]; /* APPEND or ADD */
byte e_part[MAXV + 1];  /* partition */
byte e_rv[MAXV + 1];    /* the transaction's read version */
byte maxv;              /* highest version present */
byte hint;              /* _checkpoints/_last.json (advisory) */
bit obj[2 * (NTOK + 1)];  /* staged data objects: 2 * token + table */

/* ---- bookkeeping for the properties (not visible to the protocol) ---- */
byte next_tok = 1;
bit live[NTOK + 1];           /* the writer incarnation of this token still runs */
bit told_ok[NTOK + 1];        /* its writer was told "committed" */
bit told_conflict[NTOK + 1];  /* its writer was told "conflict" */
byte crashes, faults, ncommit, nstopped, nwdone;

#ifdef LATE_LAND
/* A put still in flight after its writer was told EIO (an S3 timeout): it lands
 * later, if the key is still free (one at a time: MAXFAULT is 1). */
byte late_v, late_tok, late_eff, late_part, late_rv;
mtype late_kind;
#endif

/* Scratch for d_steps, always 0 between steps: kept out of the state vector, except
 * with -DNOHIDDEN (pan's breadth-first search, -DBFS, refuses hidden variables). */
#ifdef NOHIDDEN
#define SCRATCH
#else
#define SCRATCH hidden
#endif
SCRATCH byte ci, cj, cm;
SCRATCH byte plo, phi, pstep, pmid;
SCRATCH byte seen[NTOK + 1];

#define EXISTS(x) ((x) <= MAXV && e_tok[x] != 0)
#define CONFLICTS(i, j) (e_kind[i] == APPEND && e_kind[j] == APPEND && \
                         e_part[i] == e_part[j] && e_tok[i] != e_tok[j])

/* P1-P6 on the global state. Used inside d_step only. */
inline check_log()
{
    ci = 1;
    do
    :: ci <= MAXV ->
        if
        :: e_tok[ci] != 0 ->
            assert(ci == 1 || e_tok[ci - 1] != 0);             /* P1 gap-free */
            assert(!told_conflict[e_tok[ci]]);                 /* P4 */
            assert((e_eff[ci] & 1) == 0 || obj[2 * e_tok[ci]] == 1);      /* P6 objects */
            assert((e_eff[ci] & 2) == 0 || obj[2 * e_tok[ci] + 1] == 1);
            cj = ci + 1;
            do
            :: cj <= MAXV ->
                if
                :: e_tok[cj] != 0 ->
                    assert(e_tok[cj] != e_tok[ci] || (e_eff[ci] & e_eff[cj]) == 0); /* P3 */
                    assert(!CONFLICTS(ci, cj) || e_rv[cj] >= ci);  /* P5 */
                :: else
                fi;
                cj++
            :: else -> break
            od
        :: else
        fi;
        ci++
    :: else -> break
    od;
    cj = 1;                                                    /* P2 */
    do
    :: cj <= NTOK ->
        if
        :: told_ok[cj] ->
            cm = 0;
            ci = 1;
            do
            :: ci <= MAXV -> if :: e_tok[ci] == cj -> cm = cm | e_eff[ci] :: else fi; ci++
            :: else -> break
            od;
            assert(cm == 3)
        :: else
        fi;
        cj++
    :: else -> break
    od;
    ci = 0; cj = 0; cm = 0
}

/* The latest version as log.c finds it: the hint if its commit exists, then an
 * exponential probe and a binary search (dc_store_latest_version). For use
 * inside d_step: atomic, which is sound: the log only grows, so existence
 * checks made over time answer what the same checks answer at the time of the
 * last one, and a stale answer is only a lost race later. LATEST_FROM starts
 * from plo (the hint as read earlier). */
inline LATEST_FROM(res)
{
    if
    :: plo > 0 && !EXISTS(plo) -> plo = 0
    :: else
    fi;
    pstep = 1;
    do
    :: EXISTS(plo + pstep) -> plo = plo + pstep; pstep = pstep * 2
    :: else -> break
    od;
    phi = plo + pstep;
    do
    :: phi - plo > 1 ->
        pmid = plo + (phi - plo) / 2;
        if
        :: EXISTS(pmid) -> plo = pmid
        :: else -> phi = pmid
        fi
    :: else -> break
    od;
    res = plo;
    plo = 0; phi = 0; pstep = 0; pmid = 0
}

inline LATEST(res)
{
    plo = hint;
    LATEST_FROM(res)
}

/* A crash: the writer dies here (at most MAXCRASH in a run). Used inside atomic. */
#define CRASH_HERE (crashes < MAXCRASH) -> crashes++; \
    printf("MSC: w%d crashes (txn %d)\n", w, tok); goto crash

/*
 * A writer. Each atomic block below is one step that others can observe:
 * staging + reading the latest version, each put, each read-back after an
 * unknown outcome, each rebase, the hint read and the hint write. A crash is
 * offered before and after each put and before the hint write: a crash
 * anywhere else is indistinguishable, for every other process and every
 * property, from one of these (in between a writer only reads and changes its
 * own variables, and what a dead process read has no effect).
 */
proctype writer(byte w)
{
    byte n;          /* transactions finished */
    byte tok, part, rv, v, eff, pending;
    mtype kind, res;
    bool conflict;

begin:
    atomic {
        live[tok] = 0;   /* the previous transaction (if any) is over */
        tok = 0; kind = 0; part = 0; rv = 0; v = 0; eff = 0; pending = 0; res = 0;
        conflict = false;
        if
        :: n >= NTX -> nwdone++; goto stopped
        :: else
        fi;
#ifdef CHOOSE_KIND
        /* any writer may append or add, to any partition */
        if
        :: kind = APPEND
        :: kind = ADD
        fi;
        if
        :: part = 0
        :: NPART > 1 -> part = 1
        fi;
#else
        /* the first NAPPEND writers append to partition 0 (they conflict), the
         * others add */
        kind = (w < NAPPEND -> APPEND : ADD);
#endif
        /* Stage the data files under unique keys, then begin: read the latest
         * version. One step: staged objects are invisible to the others (the
         * collector spares live writers), so staging earlier changes nothing. */
        d_step {
            tok = next_tok; next_tok++; live[tok] = 1; pending = 3;
            obj[2 * tok] = 1; obj[2 * tok + 1] = 1;
            LATEST(rv);
            v = rv + 1;
            printf("MSC: w%d begins txn %d (%e), read version %d\n", w, tok, kind, rv)
        }
    }

put:
    atomic {
        assert(v <= MAXV);    /* the log bound: only a duplicate could exceed it */
#ifdef MUT_SPLIT_COMMIT
        eff = (pending & 1 -> 1 : 2);
#else
        eff = pending;
#endif
        if
        :: CRASH_HERE                                     /* dies before the put */
        :: res = OK
        :: faults < MAXFAULT -> faults++; res = EIO       /* fails, nothing lands */
        :: faults < MAXFAULT -> faults++; res = EIO_LAND  /* lands, then reports EIO */
#ifdef LATE_LAND
        :: faults < MAXFAULT -> faults++; res = EIO_LATE  /* reports EIO, lands later */
#endif
        fi;
        d_step {
#ifdef LATE_LAND
            if
            :: res == EIO_LATE ->
                late_v = v; late_tok = tok; late_eff = eff; late_kind = kind;
                late_part = part; late_rv = rv; res = EIO
            :: else
            fi;
#endif
#ifdef MUT_OVERWRITE
            if
            :: res != EIO ->              /* a plain put: replaces what is there */
#else
            if
            :: e_tok[v] == 0 && res != EIO ->     /* put_if_absent */
#endif
                e_tok[v] = tok; e_eff[v] = eff; e_kind[v] = kind; e_part[v] = part;
                e_rv[v] = rv;
                if
                :: v > maxv -> maxv = v
                :: else
                fi;
                res = (res == EIO_LAND -> EIO : OK);
                printf("MSC: w%d put_if_absent v%d = txn %d eff %d: landed, told %e\n",
                       w, v, tok, eff, res);
                check_log()
            :: else ->
                res = (res == OK -> EEXISTS : EIO);
                printf("MSC: w%d put_if_absent v%d = txn %d: not written, told %e\n",
                       w, v, tok, res)
            fi
        }
        if
        :: CRASH_HERE                      /* dies before it learns the outcome */
        :: true
        fi;
        if
        :: res == OK -> goto committed
        :: res == EEXISTS -> goto lost
        :: else
        fi
    }

    /* an unknown outcome */
#if defined(MUT_UNKNOWN_IS_FAILURE)
    goto put;                      /* assumes nothing landed */
#elif defined(MUT_UNKNOWN_IS_SUCCESS)
    goto committed;                /* assumes it landed */
#elif defined(MUT_GUESS_NEXT)
    atomic { v++; goto put }       /* assumes another writer won */
#else
    /* FORMAT.md 6.3: read the key back and compare the token */
    atomic {
        if
        :: e_tok[v] == 0 -> printf("MSC: w%d reads v%d back: absent\n", w, v); goto put
        :: e_tok[v] == tok -> printf("MSC: w%d reads v%d back: ours\n", w, v); goto committed
        :: else -> printf("MSC: w%d reads v%d back: txn %d\n", w, v, e_tok[v]); goto lost
        fi
    }
#endif

committed:
#ifdef MUT_SPLIT_COMMIT
    atomic {
        pending = pending & (3 - eff);
        if
        :: pending != 0 -> v++; goto put    /* the next table's entry */
        :: else
        fi
    }
#endif
    atomic {
        told_ok[tok] = 1;
        printf("MSC: w%d is told txn %d committed at v%d\n", w, tok, v);
        d_step { ncommit++; check_log() }
        /* best-effort checkpoint, then the advisory hint: read it, then replace
         * it (two steps, so a slower writer can move it backwards) */
        if
        :: v % INTERVAL == 0 && hint < v
        :: else -> n++; goto begin
        fi
    }
    atomic {
        if
        :: CRASH_HERE
        :: hint = v; printf("MSC: w%d sets the hint to %d\n", w, v); n++; goto begin
        fi
    }

lost:
#ifdef MUT_RETRY_SAME
    goto put;
#endif
    /* lost the race: read the winners and check each (rebase, TXN-2) */
    atomic {
        conflict = false;
        d_step {
            ci = v;
            do
            :: EXISTS(ci) ->
#ifdef REBASE_CHECKS_TOKEN
                if
                :: e_tok[ci] == tok -> break    /* our own entry (landed late) */
                :: else
                fi;
#endif
#ifndef MUT_NO_CONFLICT_CHECK
                if
                :: kind == APPEND && e_kind[ci] == APPEND && e_part[ci] == part ->
                    conflict = true;
                    break
                :: else
                fi;
#endif
                ci++
            :: else -> break
            od;
            if
#ifdef REBASE_CHECKS_TOKEN
            :: EXISTS(ci) && e_tok[ci] == tok ->
                printf("MSC: w%d finds its own entry at v%d\n", w, ci); v = ci
#endif
            :: conflict ->
                printf("MSC: w%d txn %d: conflict with v%d\n", w, tok, ci);
                told_conflict[tok] = 1; check_log()
            :: else -> printf("MSC: w%d txn %d rebased: next try v%d\n", w, tok, ci); v = ci
            fi;
            ci = 0
        }
        if
#ifdef REBASE_CHECKS_TOKEN
        :: EXISTS(v) && e_tok[v] == tok -> goto committed
#endif
        :: conflict -> n++; goto begin     /* DC_ECONFLICT */
        :: else -> goto put                /* rebased: try one past the winners */
        fi
    }

crash:
    /* the process dies: its local state is lost, its staged objects are garbage */
    atomic {
        live[tok] = 0;
        tok = 0; kind = 0; part = 0; rv = 0; v = 0; eff = 0; pending = 0; res = 0;
        conflict = false;
        if
        :: nstopped++; nwdone++; printf("MSC: w%d stops\n", w); goto stopped
        :: printf("MSC: w%d restarts\n", w); goto begin
        /* (the first stops forever, the second restarts from scratch) */
        fi
    }

stopped:
    skip
}

/*
 * Opens the latest state at any moment, as log.c does: read the hint, probe,
 * binary-search, read the entries (P6, P7). By default in two steps (the hint
 * read, then the probe and the reads): the log only grows and entries are
 * immutable, so existence checks spread over time find what the same checks
 * find at the time of the last one. -DREADER_STEPS makes every check a step.
 */
proctype reader()
{
    byte base, lo;
#ifdef READER_STEPS
    byte hi, step, mid;
#endif

    atomic { base = maxv; lo = hint }   /* base: every version present when it begins */
#ifdef READER_STEPS
    if
    :: lo > 0 && !EXISTS(lo) -> lo = 0
    :: else
    fi;
#ifndef MUT_READER_TRUSTS_HINT
    step = 1;
    do
    :: EXISTS(lo + step) -> lo = lo + step; step = step * 2
    :: else -> break
    od;
    hi = lo + step;
    do
    :: hi - lo > 1 ->
        mid = lo + (hi - lo) / 2;
        if
        :: EXISTS(mid) -> lo = mid
        :: else -> hi = mid
        fi
    :: else -> break
    od;
#endif
    hi = 0; step = 0; mid = 0;
#endif
    d_step {
        printf("MSC: reader began when v%d was the latest, read hint %d\n", base, lo);
#ifndef READER_STEPS
#ifdef MUT_READER_TRUSTS_HINT
        if
        :: lo > 0 && !EXISTS(lo) -> lo = 0
        :: else
        fi;
#else
        plo = lo;
        LATEST_FROM(lo);
#endif
#endif
        printf("MSC: reader finds latest v%d\n", lo);
        assert(lo >= base);     /* P7 */
        /* read commits 1..lo (a checkpoint is a cache of a prefix of them) */
        ci = 1;
        do
        :: ci <= lo ->
            assert(e_tok[ci] != 0);                              /* P1 in the view */
            seen[e_tok[ci]] = seen[e_tok[ci]] | e_eff[ci];
            assert((e_eff[ci] & 1) == 0 || obj[2 * e_tok[ci]] == 1);       /* P6 */
            assert((e_eff[ci] & 2) == 0 || obj[2 * e_tok[ci] + 1] == 1);
            ci++
        :: else -> break
        od;
        ci = 1;
        do
        :: ci <= NTOK -> assert(seen[ci] == 0 || seen[ci] == 3); seen[ci] = 0; ci++ /* P6 */
        :: else -> break
        od;
        ci = 0; base = 0; lo = 0
    }
}

/* Removes, at any moment, the objects no entry references whose writer no
 * longer runs (the grace period of FORMAT.md 9 abstracted). */
proctype gc()
{
    byte runs;
    do
    :: runs < GCRUNS ->
        d_step {
            runs++;
            cj = 2;
            do
            :: cj < 2 * (NTOK + 1) ->
#ifdef MUT_GC_NO_GRACE
                if
                :: obj[cj] ->
#else
                if
#if defined(LATE_LAND) && !defined(MUT_GC_IGNORES_INFLIGHT)
                :: obj[cj] && !live[cj / 2] && late_tok != cj / 2 ->  /* no put in flight */
#else
                :: obj[cj] && !live[cj / 2] ->
#endif
#endif
                    cm = 0;
                    ci = 1;
                    do
                    :: ci <= MAXV ->
                        if
                        :: e_tok[ci] == cj / 2 && (e_eff[ci] & (1 << (cj % 2))) != 0 -> cm = 1
                        :: else
                        fi;
                        ci++
                    :: else -> break
                    od;
                    if
                    :: cm == 0 -> obj[cj] = 0; printf("MSC: gc removes object %d of txn %d\n", cj % 2, cj / 2)
                    :: else
                    fi
                :: else
                fi;
                cj++
            :: else -> break
            od;
            check_log()
        }
    :: else -> break
    od
}

#ifdef LATE_LAND
/* Lands the put in flight, if any, at any later moment (put_if_absent semantics). */
proctype lander()
{
end:
    (late_v != 0);     /* (a valid end state: there may be no late put) */
    d_step {
        if
        :: e_tok[late_v] == 0 ->
            e_tok[late_v] = late_tok; e_eff[late_v] = late_eff; e_kind[late_v] = late_kind;
            e_part[late_v] = late_part; e_rv[late_v] = late_rv;
            if
            :: late_v > maxv -> maxv = late_v
            :: else
            fi;
            printf("MSC: the late put of txn %d lands at v%d\n", late_tok, late_v);
            check_log()
        :: else -> printf("MSC: the late put of txn %d finds v%d taken\n", late_tok, late_v)
        fi;
        late_v = 0; late_tok = 0; late_eff = 0; late_kind = 0; late_part = 0; late_rv = 0
    }
}
#endif

/* At the end: P1-P5 again, and no partial transaction at rest (P6). */
proctype checker()
{
    (nwdone == NW);
    d_step {
        check_log();
        cj = 1;
        do
        :: cj <= NTOK ->
            cm = 0;
            ci = 1;
            do
            :: ci <= MAXV -> if :: e_tok[ci] == cj -> cm = cm | e_eff[ci] :: else fi; ci++
            :: else -> break
            od;
            assert(cm == 0 || cm == 3);
            cj++
        :: else -> break
        od;
        ci = 0; cj = 0; cm = 0
    }
}

init
{
    byte i;
    atomic {
        i = 0;
        do
        :: i < NW -> run writer(i); i++
        :: else -> break
        od;
        run reader();
        run gc();
        run checker();
#ifdef LATE_LAND
        run lander()
#endif
    }
}

/* P8 progress. All runs are finite (every loop consumes a crash, a fault or a
 * log slot), so these are about reaching the end, not about fairness. */
ltl finish { <> (nwdone == NW) }                     /* no deadlock, no livelock */
ltl entry { <> (maxv > 0 || nstopped == NW) }        /* unless all writers stop, a commit lands */
ltl told { <> (ncommit > 0 || crashes > 0) }         /* without crashes a writer is told committed */
