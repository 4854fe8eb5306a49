#!/usr/bin/env python3
"""gen_abuse_lexicon.py - writes service/engine/abuse_lexicon.c, the role
lexicon of the abuse detectors, from the word classes below.

The classes are closed sets of English written from general knowledge of
the language (pronouns, copulas, negators, wish and modal verbs, harm
verbs, group nouns, dehumanising predicates, insult nouns and adjectives,
profanity, sexual terms, verbs of reporting; finality adverbs, ending
verbs, retribution nouns, verbs of where one is found, conveyances of the
hurt or dead, return verbs, homelands, capacity and incapacity words,
faculties, invasion participles, image nouns, undress terms, appeal words,
"would" forms), never collected from the
misses of an evaluation set. Each word gets the bit mask of its classes
(ABUSE_* in service/engine/abuse.h), its FNV-1a 64 hash (tokenize_hash(),
so a token's hash finds it without hashing again) and its place in an
open-addressing table. Usage: python3 tools/gen_abuse_lexicon.py
(rewrites the file; tests/unit/test_abuse.c checks the table against
tokenize_hash and the lookup). Python 3 standard library only.
"""
import os
import sys

C = {}


def add(cls, words):
    for w in words.split():
        C.setdefault(w, set()).add(cls)


add("YOU", "you u ya ye yall y'all thou youse you're youre u're")
add("YOUR", "your ur yer thy yours")
add("YOURSELF", "yourself yourselves urself")
add("BE", "are is was were be been being am r you're youre u're ur he's she's hes shes they're theyre it's that's thats")
add("NEG", "not never no nobody none noone neither nor hardly isn't isnt aren't arent wasn't wasnt weren't werent don't dont doesn't doesnt didn't didnt won't wont wouldn't wouldnt shouldn't shouldnt can't cant cannot couldn't couldnt ain't aint")
add("WISH", "hope hoping hoped hopes wish wishing wishes pray praying hopefully")
add("WILL", "will i'll we'll ill gonna gunna finna going shall wanna would i'd we'd he'll she'll they'll")
add("SUBJ1", "i we i'll we'll i'm im we're i'd we'd someone somebody")
add("MODAL", "should shud must need needs ought deserve deserves deserved gotta let's lets")
add("THIRD", "he she they him her them his their he's she's hes shes they're theyre he'll she'll they'll")
add("DEM", "it this that which there what it's that's thats its")
add("HARM", "kill murder shoot stab strangle behead butcher slaughter lynch hang torture rape hurt punch smash burn bomb slit drown execute strangle")
add("HARMP", "die dies died dead killed murdered shot stabbed raped hanged burned burnt tortured cancer aids rot rots suffer suffers drown drowns choke beaten starve starves")
add("INS_N", "idiot moron imbecile cretin fool loser clown scum scumbag jerk dumbass dipshit asshole arsehole bastard bitch cunt dick dickhead prick twat wanker tosser pig retard freak creep parasite maggot muppet numpty halfwit dimwit nitwit dunce buffoon dolt oaf pervert slut whore liar coward douche douchebag jackass knobhead bellend plonker pillock degenerate lowlife vermin rat snake hypocrite simpleton ignoramus troglodyte neanderthal cuck shithead fuckwit fuckface fuckhead motherfucker twit git")
add("INS_A", "stupid dumb idiotic moronic pathetic worthless useless brainless ignorant disgusting ugly fat retarded clueless spineless gutless braindead vile filthy lying incompetent deranged delusional psycho pitiful despicable contemptible loathsome repulsive hideous smug dishonest evil nasty gross dumbest stupidest ugliest thick")
add("FILL", "a an the such so complete total absolute utter real fucking fuckin freaking bloody little big massive huge right proper pure just literally basically nothing but bunch of pack like all dirty stinking damn goddamn sad old lot and")
add("GROUP", "muslims moslems jews christians catholics protestants hindus sikhs buddhists atheists mormons immigrants migrants refugees foreigners blacks whites asians africans arabs mexicans chinese indians pakistanis latinos latinas hispanics gypsies roma women men females males gays lesbians homosexuals transgenders transsexuals bisexuals queers cripples autistics natives aboriginals aborigines somalis nigerians syrians afghans iraqis iranians palestinians israelis russians ukrainians poles romanians turks kurds americans brits irish scots germans french italians europeans japanese koreans filipinos vietnamese islam")
add("GROUP_A", "black white asian african arab muslim jewish christian catholic hindu sikh gay lesbian trans transgender bisexual queer disabled autistic deaf blind mexican chinese indian pakistani immigrant migrant foreign latino hispanic polish romanian somali nigerian syrian afghan iraqi iranian palestinian israeli russian ukrainian turkish american british irish english scottish german french italian japanese korean filipino vietnamese native indigenous aboriginal brown atheist mormon roma gypsy female male")
add("PEOPLE", "people men women folk folks kids children guys girls boys persons immigrants families communities")
add("DEHUM", "animals animal vermin rats rat roaches cockroaches parasites parasite leeches savages savage subhuman subhumans filth scum dogs pigs apes monkeys insects maggots locusts disease cancer plague infestation trash garbage barbarians beasts mongrels degenerates inferior criminals rapists terrorists invaders evil filthy dirty disgusting vile worthless backward primitive inbred pests pest swine breeders")
add("SWARM", "breed breeding infest infesting swarm swarming invade invading infect")
add("REMOVE", "deported exterminated gassed killed shot hanged eradicated removed sterilised sterilized locked sent kicked thrown banned burned burnt executed rounded wiped expelled eliminated lynched culled purged nuked castrated")
add("EXTERM", "kill exterminate gas deport ban hang shoot burn eradicate nuke wipe expel lynch cull purge sterilise sterilize remove")
add("SEVERE", "exterminated gassed killed shot hanged eradicated burned burnt executed wiped lynched culled purged nuked sterilised sterilized castrated kill exterminate gas hang shoot burn eradicate nuke wipe lynch cull purge sterilise sterilize")
add("SLUR", "nigger niggers faggot faggots tranny trannies kike kikes spic spics chink chinks wetback wetbacks raghead ragheads towelhead towelheads")
add("SLUR_W", "fag fags dyke dykes paki pakis coon coons gook gooks retards")
add("PROF", "fuck fucks fucking fuckin fucked fucker fuckers fuckwit fuckface fuckhead motherfucker motherfuckers motherfucking fck fcking fuk fuking fukin fkn fkin fuq phuck shit shits shitty shite shithead shitheads bullshit horseshit dipshit batshit shitting sht cunt cunts bitch bitches asshole assholes arsehole arseholes dick dicks dickhead cock prick pricks twat twats wanker wankers bollocks bastard bastards slut sluts whore whores goddamn goddam jackass dumbass stfu")
add("PROF_M", "damn dammit crap crappy hell bloody bugger arse ass piss pissed wtf omfg frigging friggin")
add("SEX", "sex porn porno blowjob blowjobs handjob cum cumming jizz horny nudes naked orgasm masturbate masturbating boner erection dildo milf anal threesome gangbang deepthroat sexy")
add("SEX_BODY", "dick cock pussy tits titties boobs boob tit penis vagina nipples clit cunt genitals crotch booty")
add("SEX_ACT", "fuck bang screw shag suck lick ride rape grope molest spank finger")
add("REPORT", "said says say saying called calls calling told tells telling wrote writes yelled shouted screamed accused claims claimed reported quoted tweeted posted texted messaged heard whispered muttered replied asked named labelled labeled branded dubbed")
add("KIN", "family kids children wife husband mother mom mum father dad son daughter sister brother baby parents friends girlfriend boyfriend")
add("DET", "the this that these those such bunch pack lot load")
add("FINAL", "permanently forever")
add("MENACE", "shut silence end finish sort settle deal put take stop")
add("RETRIB", "comeuppance deserts payback reckoning")
add("LOCATE", "live lives living work works working drive drives park parks sleep sleeps stay stays shop shops walk walks train trains drink drinks eat eats")
add("CONVEY", "ambulance ambulances coffin coffins casket caskets hearse stretcher stretchers box bodybag")
add("RETURN", "send ship deport kick throw boot fly")
add("ORIGIN", "africa asia europe arabia india pakistan bangladesh china mexico syria somalia nigeria iraq iran afghanistan turkey poland romania russia israel palestine jamaica haiti kenya ghana ethiopia eritrea sudan libya morocco algeria egypt yemen lebanon albania vietnam korea japan philippines brazil colombia guatemala honduras cuba")
add("CAPABLE", "capable able fit competent")
add("INCAP", "incapable unable unfit incompetent")
add("COMPETE", "science sciences maths math mathematics logic reason reasoning thought thinking think intelligence intellect leadership lead leading govern governing rule ruling learning learn engineering art creativity invention empathy honesty loyalty morality civilisation civilization democracy trusted")
add("OVERRUN", "overrun swamped flooded invaded infested overtaken colonised colonized inundated")
add("IMAGE", "pic pics picture pictures photo photos selfie selfies vid vids video videos snap snaps")
add("UNDRESS", "naked nude nudes topless undressed underwear lingerie bra bras panties knickers thong bikini bikinis")
add("APPEAL", "fun hot sexy naughty fit cute tight wild easy dirty flexible good great better best amazing")
add("COND", "would i'd we'd you'd he'd she'd they'd who'd")
add("CUE", "what are r screw stfu go kys neck drop death know knows send show give post dm flash sit hate things iykwim wink nudge despise loathe")

ORDER = ["YOU", "YOUR", "YOURSELF", "BE", "NEG", "WISH", "WILL", "SUBJ1", "MODAL",
         "THIRD", "DEM", "HARM", "HARMP", "INS_N", "INS_A", "FILL", "GROUP", "GROUP_A",
         "PEOPLE", "DEHUM", "SWARM", "REMOVE", "EXTERM", "SEVERE", "SLUR", "SLUR_W", "PROF",
         "PROF_M", "SEX", "SEX_BODY", "SEX_ACT", "REPORT", "KIN", "DET", "CUE",
         "FINAL", "MENACE", "RETRIB", "LOCATE", "CONVEY", "RETURN", "ORIGIN", "CAPABLE",
         "INCAP", "COMPETE", "OVERRUN", "IMAGE", "UNDRESS", "APPEAL", "COND"]
SLOTS = 2048          # power of two, more than twice the entries
WORD_MAX = 24         # ABUSE_WORD_MAX


def fnv1a64(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


# A plural listed for another class ("bastards" as profanity) names people
# as its singular does: it takes the singular's noun classes, so listing a
# form in one class never hides the lookup's plural fallback.
NOUN_CLASSES = {"INS_N", "SLUR", "SLUR_W", "DEHUM"}


def inherit_plurals():
    for w in list(C):
        for cut in (1, 2):
            if w.endswith("s"[:1] if cut == 1 else "es") and w[:-cut] in C:
                C[w] |= C[w[:-cut]] & NOUN_CLASSES


def main():
    inherit_plurals()
    assert set(k for v in C.values() for k in v) <= set(ORDER)
    words = sorted(C, key=lambda w: w.encode())
    assert 2 * len(words) < SLOTS and all(len(w) <= WORD_MAX for w in words)
    slots = [0] * SLOTS
    for i, w in enumerate(words):
        s = fnv1a64(w) & (SLOTS - 1)
        while slots[s]:
            s = (s + 1) & (SLOTS - 1)
        slots[s] = i + 1
    out = ["/* abuse_lexicon.c - the role lexicon of the abuse detectors.",
           " *",
           " * Generated by tools/gen_abuse_lexicon.py from its word classes: edit",
           " * the script and run it, never this file. Each entry: the word, its",
           " * length, its tokenize_hash() and its ABUSE_* classes; abuse_lex_slots",
           " * is an open-addressing table of entry index + 1 by hash (0 = empty).",
           " */",
           '#include "abuse_lexicon.h"',
           "",
           "const abuse_lex_entry abuse_lex[ABUSE_LEX_N] = {"]
    for w in words:
        cls = " | ".join("ABUSE_" + k for k in ORDER if k in C[w])
        out.append('    {"%s", %d, 0x%016xULL, %s},' % (w, len(w), fnv1a64(w), cls))
    out.append("};")
    out.append("")
    out.append("const uint16_t abuse_lex_slots[ABUSE_LEX_SLOTS] = {")
    for i in range(0, SLOTS, 12):
        out.append("    " + ", ".join(str(x) for x in slots[i:i + 12]) + ",")
    out.append("};")
    hdr = ["/* abuse_lexicon.h - the generated role lexicon (abuse_lexicon.c).",
           " *",
           " * Private to abuse.c and its tests. Generated by",
           " * tools/gen_abuse_lexicon.py together with abuse_lexicon.c.",
           " */",
           "#ifndef MODQ_ABUSE_LEXICON_H",
           "#define MODQ_ABUSE_LEXICON_H",
           "",
           "#include <stdint.h>",
           "",
           '#include "abuse.h"',
           "",
           "#define ABUSE_LEX_N %d" % len(words),
           "#define ABUSE_LEX_SLOTS %d /* power of two, > 2 x ABUSE_LEX_N */" % SLOTS,
           "",
           "typedef struct abuse_lex_entry {",
           "    const char *w;",
           "    uint8_t len;",
           "    uint64_t hash; /* tokenize_hash(w) */",
           "    abuse_cls cls;",
           "} abuse_lex_entry;",
           "",
           "extern const abuse_lex_entry abuse_lex[ABUSE_LEX_N];",
           "extern const uint16_t abuse_lex_slots[ABUSE_LEX_SLOTS];",
           "",
           "#endif"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "service", "engine", "abuse_lexicon.c"), "w") as f:
        f.write("\n".join(out) + "\n")
    with open(os.path.join(root, "service", "engine", "abuse_lexicon.h"), "w") as f:
        f.write("\n".join(hdr) + "\n")
    print("abuse_lexicon.c: %d words, %d slots" % (len(words), SLOTS), file=sys.stderr)


if __name__ == "__main__":
    main()
