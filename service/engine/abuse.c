/* abuse.c - the grammar of abuse: role lexicons and the clause matcher.
 *
 * Owns the lexicon of role words (one sorted table, each word with its
 * classes, looked up by first letter and binary search), the view of a
 * comment's words the abuse detectors read (classes, sentence breaks,
 * quotation marks, de-obfuscated runs), the clause helpers (negation,
 * reported speech) and the accumulation of hits into a signal. The word
 * lists are closed classes written from general knowledge of English, not
 * collected from examples; a rule, not a list, decides what is abusive.
 * De-obfuscation reads masks inside a word: '*', '#', '%' stand for any
 * letter ("f*ck"), '@' '$' '!' for a, s, i ("a$$hole", "sh!t"), digits
 * inside letters for look-alike letters ("sh1t"), dots or dashes between
 * single letters are dropped ("f.u.c.k"); a masked run is kept only when
 * it reads as a word of the lexicon. Never allocates; no globals.
 */
#include "abuse.h"

#include <stdio.h>
#include <string.h>

#define C_YOU ABUSE_YOU
#define C_YOUR ABUSE_YOUR
#define C_YOURSELF ABUSE_YOURSELF
#define C_BE ABUSE_BE
#define C_NEG ABUSE_NEG
#define C_WISH ABUSE_WISH
#define C_WILL ABUSE_WILL
#define C_SUBJ1 ABUSE_SUBJ1
#define C_MODAL ABUSE_MODAL
#define C_THIRD ABUSE_THIRD
#define C_DEM ABUSE_DEM
#define C_HARM ABUSE_HARM
#define C_HARMP ABUSE_HARMP
#define C_INS_N ABUSE_INS_N
#define C_INS_A ABUSE_INS_A
#define C_FILL ABUSE_FILL
#define C_GROUP ABUSE_GROUP
#define C_GROUP_A ABUSE_GROUP_A
#define C_PEOPLE ABUSE_PEOPLE
#define C_DEHUM ABUSE_DEHUM
#define C_SWARM ABUSE_SWARM
#define C_REMOVE ABUSE_REMOVE
#define C_EXTERM ABUSE_EXTERM
#define C_SEVERE ABUSE_SEVERE
#define C_SLUR ABUSE_SLUR
#define C_SLUR_W ABUSE_SLUR_W
#define C_PROF ABUSE_PROF
#define C_PROF_M ABUSE_PROF_M
#define C_SEX ABUSE_SEX
#define C_SEX_BODY ABUSE_SEX_BODY
#define C_SEX_ACT ABUSE_SEX_ACT
#define C_REPORT ABUSE_REPORT
#define C_KIN ABUSE_KIN

/* ------------------------------------------------------------------------ */
/* Lexicon                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct lex_entry {
    const char *w;
    abuse_cls cls;
} lex_entry;

/* Sorted by bytes (strcmp order); tests/unit/test_abuse.c checks it and
 * lex_first. */
static const lex_entry lex[] = {
    {"a", C_FILL}, {"aboriginal", C_GROUP_A}, {"aboriginals", C_GROUP},
    {"aborigines", C_GROUP}, {"absolute", C_FILL}, {"accused", C_REPORT},
    {"afghan", C_GROUP_A}, {"afghans", C_GROUP}, {"african", C_GROUP_A},
    {"africans", C_GROUP}, {"aids", C_HARMP}, {"ain't", C_NEG},
    {"aint", C_NEG}, {"all", C_FILL}, {"am", C_BE}, {"american", C_GROUP_A},
    {"americans", C_GROUP}, {"an", C_FILL}, {"anal", C_SEX}, {"and", C_FILL},
    {"animal", C_DEHUM}, {"animals", C_DEHUM}, {"apes", C_DEHUM},
    {"arab", C_GROUP_A}, {"arabs", C_GROUP}, {"are", C_BE}, {"aren't", C_NEG},
    {"arent", C_NEG}, {"arse", C_PROF_M}, {"arsehole", C_INS_N|C_PROF},
    {"arseholes", C_PROF}, {"asian", C_GROUP_A}, {"asians", C_GROUP},
    {"asked", C_REPORT}, {"ass", C_PROF_M}, {"asshole", C_INS_N|C_PROF},
    {"assholes", C_PROF}, {"atheist", C_GROUP_A}, {"atheists", C_GROUP},
    {"autistic", C_GROUP_A}, {"autistics", C_GROUP}, {"baby", C_KIN},
    {"backward", C_DEHUM}, {"ban", C_EXTERM}, {"bang", C_SEX_ACT},
    {"banned", C_REMOVE}, {"barbarians", C_DEHUM}, {"basically", C_FILL},
    {"bastard", C_INS_N|C_PROF}, {"bastards", C_PROF}, {"batshit", C_PROF},
    {"be", C_BE}, {"beasts", C_DEHUM}, {"beaten", C_HARMP}, {"been", C_BE},
    {"behead", C_HARM}, {"being", C_BE}, {"bellend", C_INS_N}, {"big", C_FILL},
    {"bisexual", C_GROUP_A}, {"bisexuals", C_GROUP}, {"bitch", C_INS_N|C_PROF},
    {"bitches", C_PROF}, {"black", C_GROUP_A}, {"blacks", C_GROUP},
    {"blind", C_GROUP_A}, {"bloody", C_FILL|C_PROF_M}, {"blowjob", C_SEX},
    {"blowjobs", C_SEX}, {"bollocks", C_PROF}, {"bomb", C_HARM},
    {"boner", C_SEX}, {"boob", C_SEX_BODY}, {"boobs", C_SEX_BODY},
    {"booty", C_SEX_BODY}, {"boyfriend", C_KIN}, {"boys", C_PEOPLE},
    {"braindead", C_INS_A}, {"brainless", C_INS_A}, {"branded", C_REPORT},
    {"breed", C_SWARM}, {"breeders", C_DEHUM}, {"breeding", C_SWARM},
    {"british", C_GROUP_A}, {"brits", C_GROUP}, {"brother", C_KIN},
    {"brown", C_GROUP_A}, {"buddhists", C_GROUP}, {"buffoon", C_INS_N},
    {"bugger", C_PROF_M}, {"bullshit", C_PROF}, {"bunch", C_FILL},
    {"burn", C_HARM|C_EXTERM|C_SEVERE}, {"burned", C_HARMP|C_REMOVE|C_SEVERE},
    {"burnt", C_HARMP|C_REMOVE|C_SEVERE}, {"but", C_FILL}, {"butcher", C_HARM},
    {"called", C_REPORT}, {"calling", C_REPORT}, {"calls", C_REPORT},
    {"can't", C_NEG}, {"cancer", C_HARMP|C_DEHUM}, {"cannot", C_NEG},
    {"cant", C_NEG}, {"castrated", C_REMOVE|C_SEVERE}, {"catholic", C_GROUP_A},
    {"catholics", C_GROUP}, {"children", C_PEOPLE|C_KIN},
    {"chinese", C_GROUP|C_GROUP_A}, {"chink", C_SLUR}, {"chinks", C_SLUR},
    {"choke", C_HARMP}, {"christian", C_GROUP_A}, {"christians", C_GROUP},
    {"claimed", C_REPORT}, {"claims", C_REPORT}, {"clit", C_SEX_BODY},
    {"clown", C_INS_N}, {"clueless", C_INS_A}, {"cock", C_PROF|C_SEX_BODY},
    {"cockroaches", C_DEHUM}, {"communities", C_PEOPLE}, {"complete", C_FILL},
    {"contemptible", C_INS_A}, {"coon", C_SLUR_W}, {"coons", C_SLUR_W},
    {"couldn't", C_NEG}, {"couldnt", C_NEG}, {"coward", C_INS_N},
    {"crap", C_PROF_M}, {"crappy", C_PROF_M}, {"creep", C_INS_N},
    {"cretin", C_INS_N}, {"criminals", C_DEHUM}, {"cripples", C_GROUP},
    {"crotch", C_SEX_BODY}, {"cuck", C_INS_N}, {"cull", C_EXTERM|C_SEVERE},
    {"culled", C_REMOVE|C_SEVERE}, {"cum", C_SEX}, {"cumming", C_SEX},
    {"cunt", C_INS_N|C_PROF|C_SEX_BODY}, {"cunts", C_PROF}, {"dad", C_KIN},
    {"dammit", C_PROF_M}, {"damn", C_FILL|C_PROF_M}, {"daughter", C_KIN},
    {"dead", C_HARMP}, {"deaf", C_GROUP_A}, {"deepthroat", C_SEX},
    {"degenerate", C_INS_N}, {"degenerates", C_DEHUM}, {"delusional", C_INS_A},
    {"deport", C_EXTERM}, {"deported", C_REMOVE}, {"deranged", C_INS_A},
    {"deserve", C_MODAL}, {"deserved", C_MODAL}, {"deserves", C_MODAL},
    {"despicable", C_INS_A}, {"dick", C_INS_N|C_PROF|C_SEX_BODY},
    {"dickhead", C_INS_N|C_PROF}, {"dicks", C_PROF}, {"didn't", C_NEG},
    {"didnt", C_NEG}, {"die", C_HARMP}, {"died", C_HARMP}, {"dies", C_HARMP},
    {"dildo", C_SEX}, {"dimwit", C_INS_N}, {"dipshit", C_INS_N|C_PROF},
    {"dirty", C_FILL|C_DEHUM}, {"disabled", C_GROUP_A}, {"disease", C_DEHUM},
    {"disgusting", C_INS_A|C_DEHUM}, {"dishonest", C_INS_A},
    {"doesn't", C_NEG}, {"doesnt", C_NEG}, {"dogs", C_DEHUM},
    {"dolt", C_INS_N}, {"don't", C_NEG}, {"dont", C_NEG}, {"douche", C_INS_N},
    {"douchebag", C_INS_N}, {"drown", C_HARM|C_HARMP}, {"drowns", C_HARMP},
    {"dubbed", C_REPORT}, {"dumb", C_INS_A}, {"dumbass", C_INS_N|C_PROF},
    {"dumbest", C_INS_A}, {"dunce", C_INS_N}, {"dyke", C_SLUR_W},
    {"dykes", C_SLUR_W}, {"eliminated", C_REMOVE}, {"english", C_GROUP_A},
    {"eradicate", C_EXTERM|C_SEVERE}, {"eradicated", C_REMOVE|C_SEVERE},
    {"erection", C_SEX}, {"europeans", C_GROUP}, {"evil", C_INS_A|C_DEHUM},
    {"execute", C_HARM}, {"executed", C_REMOVE|C_SEVERE}, {"expel", C_EXTERM},
    {"expelled", C_REMOVE}, {"exterminate", C_EXTERM|C_SEVERE},
    {"exterminated", C_REMOVE|C_SEVERE}, {"fag", C_SLUR_W}, {"faggot", C_SLUR},
    {"faggots", C_SLUR}, {"fags", C_SLUR_W}, {"families", C_PEOPLE},
    {"family", C_KIN}, {"fat", C_INS_A}, {"father", C_KIN}, {"fck", C_PROF},
    {"fcking", C_PROF}, {"female", C_GROUP_A}, {"females", C_GROUP},
    {"filipino", C_GROUP_A}, {"filipinos", C_GROUP},
    {"filth", C_DEHUM}, {"filthy", C_INS_A|C_DEHUM},
    {"finger", C_SEX_ACT}, {"finna", C_WILL}, {"fkin", C_PROF},
    {"fkn", C_PROF}, {"folk", C_PEOPLE}, {"folks", C_PEOPLE},
    {"fool", C_INS_N}, {"foreign", C_GROUP_A}, {"foreigners", C_GROUP},
    {"freak", C_INS_N}, {"freaking", C_FILL}, {"french", C_GROUP|C_GROUP_A},
    {"friends", C_KIN}, {"friggin", C_PROF_M}, {"frigging", C_PROF_M},
    {"fuck", C_PROF|C_SEX_ACT}, {"fucked", C_PROF}, {"fucker", C_PROF},
    {"fuckers", C_PROF}, {"fuckface", C_INS_N|C_PROF},
    {"fuckhead", C_INS_N|C_PROF}, {"fuckin", C_FILL|C_PROF},
    {"fucking", C_FILL|C_PROF}, {"fucks", C_PROF}, {"fuckwit", C_INS_N|C_PROF},
    {"fuk", C_PROF}, {"fukin", C_PROF}, {"fuking", C_PROF}, {"fuq", C_PROF},
    {"gangbang", C_SEX}, {"garbage", C_DEHUM},
    {"gas", C_EXTERM|C_SEVERE}, {"gassed", C_REMOVE|C_SEVERE},
    {"gay", C_GROUP_A}, {"gays", C_GROUP}, {"genitals", C_SEX_BODY},
    {"german", C_GROUP_A}, {"germans", C_GROUP}, {"girlfriend", C_KIN},
    {"girls", C_PEOPLE}, {"git", C_INS_N}, {"goddam", C_PROF},
    {"goddamn", C_FILL|C_PROF}, {"going", C_WILL}, {"gonna", C_WILL},
    {"gook", C_SLUR_W}, {"gooks", C_SLUR_W}, {"gotta", C_MODAL},
    {"grope", C_SEX_ACT}, {"gross", C_INS_A}, {"gunna", C_WILL},
    {"gutless", C_INS_A}, {"guys", C_PEOPLE}, {"gypsies", C_GROUP},
    {"gypsy", C_GROUP_A}, {"halfwit", C_INS_N}, {"handjob", C_SEX},
    {"hang", C_HARM|C_EXTERM|C_SEVERE}, {"hanged", C_HARMP|C_REMOVE|C_SEVERE},
    {"hardly", C_NEG}, {"he", C_THIRD}, {"he'll", C_WILL|C_THIRD},
    {"he's", C_BE|C_THIRD}, {"heard", C_REPORT}, {"hell", C_PROF_M},
    {"her", C_THIRD}, {"hes", C_BE|C_THIRD}, {"hideous", C_INS_A},
    {"him", C_THIRD}, {"hindu", C_GROUP_A}, {"hindus", C_GROUP},
    {"his", C_THIRD}, {"hispanic", C_GROUP_A}, {"hispanics", C_GROUP},
    {"homosexuals", C_GROUP}, {"hope", C_WISH}, {"hoped", C_WISH},
    {"hopefully", C_WISH}, {"hopes", C_WISH}, {"hoping", C_WISH},
    {"horny", C_SEX}, {"horseshit", C_PROF}, {"huge", C_FILL},
    {"hurt", C_HARM}, {"husband", C_KIN}, {"hypocrite", C_INS_N},
    {"i", C_SUBJ1}, {"i'd", C_WILL|C_SUBJ1}, {"i'll", C_WILL|C_SUBJ1},
    {"i'm", C_SUBJ1}, {"idiot", C_INS_N}, {"idiotic", C_INS_A},
    {"ignoramus", C_INS_N}, {"ignorant", C_INS_A}, {"ill", C_WILL},
    {"im", C_SUBJ1}, {"imbecile", C_INS_N}, {"immigrant", C_GROUP_A},
    {"immigrants", C_GROUP|C_PEOPLE}, {"inbred", C_DEHUM},
    {"incompetent", C_INS_A}, {"indian", C_GROUP_A}, {"indians", C_GROUP},
    {"indigenous", C_GROUP_A}, {"infect", C_SWARM}, {"inferior", C_DEHUM},
    {"infest", C_SWARM}, {"infestation", C_DEHUM}, {"infesting", C_SWARM},
    {"insects", C_DEHUM}, {"invade", C_SWARM}, {"invaders", C_DEHUM},
    {"invading", C_SWARM}, {"iranian", C_GROUP_A}, {"iranians", C_GROUP},
    {"iraqi", C_GROUP_A}, {"iraqis", C_GROUP}, {"irish", C_GROUP|C_GROUP_A},
    {"is", C_BE}, {"islam", C_GROUP}, {"isn't", C_NEG}, {"isnt", C_NEG},
    {"israeli", C_GROUP_A}, {"israelis", C_GROUP}, {"it", C_DEM},
    {"it's", C_BE|C_DEM}, {"italian", C_GROUP_A}, {"italians", C_GROUP},
    {"its", C_DEM}, {"jackass", C_INS_N|C_PROF},
    {"japanese", C_GROUP|C_GROUP_A}, {"jerk", C_INS_N}, {"jewish", C_GROUP_A},
    {"jews", C_GROUP}, {"jizz", C_SEX}, {"just", C_FILL}, {"kicked", C_REMOVE},
    {"kids", C_PEOPLE|C_KIN}, {"kike", C_SLUR}, {"kikes", C_SLUR},
    {"kill", C_HARM|C_EXTERM|C_SEVERE}, {"killed", C_HARMP|C_REMOVE|C_SEVERE},
    {"knobhead", C_INS_N}, {"korean", C_GROUP_A}, {"koreans", C_GROUP},
    {"kurds", C_GROUP}, {"labeled", C_REPORT}, {"labelled", C_REPORT},
    {"latinas", C_GROUP}, {"latino", C_GROUP_A}, {"latinos", C_GROUP},
    {"leeches", C_DEHUM}, {"lesbian", C_GROUP_A}, {"lesbians", C_GROUP},
    {"let's", C_MODAL}, {"lets", C_MODAL}, {"liar", C_INS_N},
    {"lick", C_SEX_ACT}, {"like", C_FILL}, {"literally", C_FILL},
    {"little", C_FILL}, {"loathsome", C_INS_A}, {"locked", C_REMOVE},
    {"locusts", C_DEHUM}, {"loser", C_INS_N}, {"lot", C_FILL},
    {"lowlife", C_INS_N}, {"lying", C_INS_A},
    {"lynch", C_HARM|C_EXTERM|C_SEVERE}, {"lynched", C_REMOVE|C_SEVERE},
    {"maggot", C_INS_N}, {"maggots", C_DEHUM}, {"male", C_GROUP_A},
    {"males", C_GROUP}, {"massive", C_FILL}, {"masturbate", C_SEX},
    {"masturbating", C_SEX}, {"men", C_GROUP|C_PEOPLE}, {"messaged", C_REPORT},
    {"mexican", C_GROUP_A}, {"mexicans", C_GROUP}, {"migrant", C_GROUP_A},
    {"migrants", C_GROUP}, {"milf", C_SEX}, {"molest", C_SEX_ACT},
    {"mom", C_KIN}, {"mongrels", C_DEHUM}, {"monkeys", C_DEHUM},
    {"mormon", C_GROUP_A}, {"mormons", C_GROUP}, {"moron", C_INS_N},
    {"moronic", C_INS_A}, {"moslems", C_GROUP}, {"mother", C_KIN},
    {"motherfucker", C_INS_N|C_PROF}, {"motherfuckers", C_PROF},
    {"motherfucking", C_PROF}, {"mum", C_KIN}, {"muppet", C_INS_N},
    {"murder", C_HARM}, {"murdered", C_HARMP}, {"muslim", C_GROUP_A},
    {"muslims", C_GROUP}, {"must", C_MODAL}, {"muttered", C_REPORT},
    {"naked", C_SEX}, {"named", C_REPORT}, {"nasty", C_INS_A},
    {"native", C_GROUP_A}, {"natives", C_GROUP}, {"neanderthal", C_INS_N},
    {"need", C_MODAL}, {"needs", C_MODAL}, {"neither", C_NEG},
    {"never", C_NEG}, {"nigerian", C_GROUP_A}, {"nigerians", C_GROUP},
    {"nigger", C_SLUR}, {"niggers", C_SLUR}, {"nipples", C_SEX_BODY},
    {"nitwit", C_INS_N}, {"no", C_NEG}, {"nobody", C_NEG}, {"none", C_NEG},
    {"noone", C_NEG}, {"nor", C_NEG}, {"not", C_NEG}, {"nothing", C_FILL},
    {"nudes", C_SEX}, {"nuke", C_EXTERM|C_SEVERE},
    {"nuked", C_REMOVE|C_SEVERE}, {"numpty", C_INS_N}, {"oaf", C_INS_N},
    {"of", C_FILL}, {"old", C_FILL}, {"omfg", C_PROF_M}, {"orgasm", C_SEX},
    {"ought", C_MODAL}, {"pack", C_FILL}, {"paki", C_SLUR_W},
    {"pakis", C_SLUR_W}, {"pakistani", C_GROUP_A}, {"pakistanis", C_GROUP},
    {"palestinian", C_GROUP_A}, {"palestinians", C_GROUP},
    {"parasite", C_INS_N|C_DEHUM}, {"parasites", C_DEHUM}, {"parents", C_KIN},
    {"pathetic", C_INS_A}, {"penis", C_SEX_BODY}, {"people", C_PEOPLE},
    {"persons", C_PEOPLE}, {"pervert", C_INS_N}, {"pest", C_DEHUM},
    {"pests", C_DEHUM}, {"phuck", C_PROF}, {"pig", C_INS_N}, {"pigs", C_DEHUM},
    {"pillock", C_INS_N}, {"piss", C_PROF_M}, {"pissed", C_PROF_M},
    {"pitiful", C_INS_A}, {"plague", C_DEHUM}, {"plonker", C_INS_N},
    {"poles", C_GROUP}, {"polish", C_GROUP_A}, {"porn", C_SEX},
    {"porno", C_SEX}, {"posted", C_REPORT}, {"pray", C_WISH},
    {"praying", C_WISH}, {"prick", C_INS_N|C_PROF}, {"pricks", C_PROF},
    {"primitive", C_DEHUM}, {"proper", C_FILL}, {"protestants", C_GROUP},
    {"psycho", C_INS_A}, {"punch", C_HARM}, {"pure", C_FILL},
    {"purge", C_EXTERM|C_SEVERE}, {"purged", C_REMOVE|C_SEVERE},
    {"pussy", C_SEX_BODY}, {"queer", C_GROUP_A}, {"queers", C_GROUP},
    {"quoted", C_REPORT}, {"r", C_BE}, {"raghead", C_SLUR},
    {"ragheads", C_SLUR}, {"rape", C_HARM|C_SEX_ACT}, {"raped", C_HARMP},
    {"rapists", C_DEHUM}, {"rat", C_INS_N|C_DEHUM}, {"rats", C_DEHUM},
    {"real", C_FILL}, {"refugees", C_GROUP}, {"remove", C_EXTERM},
    {"removed", C_REMOVE}, {"replied", C_REPORT}, {"reported", C_REPORT},
    {"repulsive", C_INS_A}, {"retard", C_INS_N}, {"retarded", C_INS_A},
    {"retards", C_SLUR_W}, {"ride", C_SEX_ACT}, {"right", C_FILL},
    {"roaches", C_DEHUM}, {"roma", C_GROUP|C_GROUP_A}, {"romanian", C_GROUP_A},
    {"romanians", C_GROUP}, {"rot", C_HARMP}, {"rots", C_HARMP},
    {"rounded", C_REMOVE}, {"russian", C_GROUP_A}, {"russians", C_GROUP},
    {"sad", C_FILL}, {"said", C_REPORT}, {"savage", C_DEHUM},
    {"savages", C_DEHUM}, {"say", C_REPORT}, {"saying", C_REPORT},
    {"says", C_REPORT}, {"scots", C_GROUP}, {"scottish", C_GROUP_A},
    {"screamed", C_REPORT}, {"screw", C_SEX_ACT}, {"scum", C_INS_N|C_DEHUM},
    {"scumbag", C_INS_N}, {"sent", C_REMOVE}, {"sex", C_SEX}, {"sexy", C_SEX},
    {"shag", C_SEX_ACT}, {"shall", C_WILL}, {"she", C_THIRD},
    {"she'll", C_WILL|C_THIRD}, {"she's", C_BE|C_THIRD},
    {"shes", C_BE|C_THIRD}, {"shit", C_PROF}, {"shite", C_PROF},
    {"shithead", C_INS_N|C_PROF}, {"shitheads", C_PROF}, {"shits", C_PROF},
    {"shitting", C_PROF}, {"shitty", C_PROF},
    {"shoot", C_HARM|C_EXTERM|C_SEVERE}, {"shot", C_HARMP|C_REMOVE|C_SEVERE},
    {"should", C_MODAL}, {"shouldn't", C_NEG}, {"shouldnt", C_NEG},
    {"shouted", C_REPORT}, {"sht", C_PROF}, {"shud", C_MODAL},
    {"sikh", C_GROUP_A}, {"sikhs", C_GROUP}, {"simpleton", C_INS_N},
    {"sister", C_KIN}, {"slaughter", C_HARM}, {"slit", C_HARM},
    {"slut", C_INS_N|C_PROF}, {"sluts", C_PROF}, {"smash", C_HARM},
    {"smug", C_INS_A}, {"snake", C_INS_N}, {"so", C_FILL},
    {"somali", C_GROUP_A}, {"somalis", C_GROUP}, {"somebody", C_SUBJ1},
    {"someone", C_SUBJ1}, {"son", C_KIN}, {"spank", C_SEX_ACT},
    {"spic", C_SLUR}, {"spics", C_SLUR}, {"spineless", C_INS_A},
    {"stab", C_HARM}, {"stabbed", C_HARMP}, {"starve", C_HARMP},
    {"starves", C_HARMP}, {"sterilise", C_EXTERM|C_SEVERE},
    {"sterilised", C_REMOVE|C_SEVERE}, {"sterilize", C_EXTERM|C_SEVERE},
    {"sterilized", C_REMOVE|C_SEVERE}, {"stfu", C_PROF}, {"stinking", C_FILL},
    {"strangle", C_HARM}, {"stupid", C_INS_A}, {"stupidest", C_INS_A},
    {"subhuman", C_DEHUM}, {"subhumans", C_DEHUM}, {"such", C_FILL},
    {"suck", C_SEX_ACT}, {"suffer", C_HARMP}, {"suffers", C_HARMP},
    {"swarm", C_SWARM}, {"swarming", C_SWARM}, {"swine", C_DEHUM},
    {"syrian", C_GROUP_A}, {"syrians", C_GROUP}, {"telling", C_REPORT},
    {"tells", C_REPORT}, {"terrorists", C_DEHUM}, {"texted", C_REPORT},
    {"that", C_DEM}, {"that's", C_BE|C_DEM}, {"thats", C_BE|C_DEM},
    {"the", C_FILL}, {"their", C_THIRD}, {"them", C_THIRD}, {"there", C_DEM},
    {"they", C_THIRD}, {"they'll", C_WILL|C_THIRD}, {"they're", C_BE|C_THIRD},
    {"theyre", C_BE|C_THIRD}, {"thick", C_INS_A}, {"this", C_DEM},
    {"thou", C_YOU}, {"threesome", C_SEX}, {"thrown", C_REMOVE},
    {"thy", C_YOUR}, {"tit", C_SEX_BODY}, {"tits", C_SEX_BODY},
    {"titties", C_SEX_BODY}, {"told", C_REPORT}, {"torture", C_HARM},
    {"tortured", C_HARMP}, {"tosser", C_INS_N}, {"total", C_FILL},
    {"towelhead", C_SLUR}, {"towelheads", C_SLUR}, {"trannies", C_SLUR},
    {"tranny", C_SLUR}, {"trans", C_GROUP_A}, {"transgender", C_GROUP_A},
    {"transgenders", C_GROUP}, {"transsexuals", C_GROUP},
    {"trash", C_DEHUM}, {"troglodyte", C_INS_N},
    {"turkish", C_GROUP_A}, {"turks", C_GROUP}, {"twat", C_INS_N|C_PROF},
    {"twats", C_PROF}, {"tweeted", C_REPORT}, {"twit", C_INS_N}, {"u", C_YOU},
    {"u're", C_YOU|C_BE}, {"ugliest", C_INS_A}, {"ugly", C_INS_A},
    {"ukrainian", C_GROUP_A}, {"ukrainians", C_GROUP}, {"ur", C_YOUR|C_BE},
    {"urself", C_YOURSELF}, {"useless", C_INS_A}, {"utter", C_FILL},
    {"vagina", C_SEX_BODY}, {"vermin", C_INS_N|C_DEHUM},
    {"vietnamese", C_GROUP|C_GROUP_A}, {"vile", C_INS_A|C_DEHUM},
    {"wanker", C_INS_N|C_PROF}, {"wankers", C_PROF}, {"wanna", C_WILL},
    {"was", C_BE}, {"wasn't", C_NEG}, {"wasnt", C_NEG}, {"we", C_SUBJ1},
    {"we'd", C_WILL|C_SUBJ1}, {"we'll", C_WILL|C_SUBJ1}, {"we're", C_SUBJ1},
    {"were", C_BE}, {"weren't", C_NEG}, {"werent", C_NEG}, {"wetback", C_SLUR},
    {"wetbacks", C_SLUR}, {"what", C_DEM}, {"which", C_DEM},
    {"whispered", C_REPORT}, {"white", C_GROUP_A}, {"whites", C_GROUP},
    {"whore", C_INS_N|C_PROF}, {"whores", C_PROF}, {"wife", C_KIN},
    {"will", C_WILL}, {"wipe", C_EXTERM|C_SEVERE},
    {"wiped", C_REMOVE|C_SEVERE}, {"wish", C_WISH}, {"wishes", C_WISH},
    {"wishing", C_WISH}, {"women", C_GROUP|C_PEOPLE}, {"won't", C_NEG},
    {"wont", C_NEG}, {"worthless", C_INS_A|C_DEHUM}, {"would", C_WILL},
    {"wouldn't", C_NEG}, {"wouldnt", C_NEG}, {"writes", C_REPORT},
    {"wrote", C_REPORT}, {"wtf", C_PROF_M}, {"y'all", C_YOU}, {"ya", C_YOU},
    {"yall", C_YOU}, {"ye", C_YOU}, {"yelled", C_REPORT}, {"yer", C_YOUR},
    {"you", C_YOU}, {"you're", C_YOU|C_BE}, {"your", C_YOUR},
    {"youre", C_YOU|C_BE}, {"yours", C_YOUR}, {"yourself", C_YOURSELF},
    {"yourselves", C_YOURSELF}, {"youse", C_YOU},
};
#define LEX_N (sizeof lex / sizeof lex[0])

/* lex_first[c - 'a']: the first entry starting with c or later. */
static const uint16_t lex_first[27] = {
    0,   41,  97,  143, 193, 206, 251, 277, 308, 351, 358, 368, 392, 427,
    454, 460, 504, 507, 536, 618, 663, 673, 677, 716, 716, 730, 730};
_Static_assert(sizeof lex / sizeof lex[0] == 730, "lex_first needs updating");

/* Classes a masked word may take: what obfuscation hides. */
#define LEX_MASKABLE (C_PROF | C_PROF_M | C_INS_N | C_SLUR | C_SLUR_W | \
                      C_SEX | C_SEX_BODY)

/* Entry for exactly w[0..n) (no wildcard), or NULL. */
static const lex_entry *lex_find(const char *w, size_t n) {
    if (n == 0 || n > ABUSE_WORD_MAX || w[0] < 'a' || w[0] > 'z')
        return NULL;
    size_t lo = lex_first[w[0] - 'a'], hi = lex_first[w[0] - 'a' + 1];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(lex[mid].w, w, n);
        if (c == 0 && lex[mid].w[n] != '\0')
            c = 1; /* the entry is longer: it sorts after w */
        if (c == 0)
            return &lex[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Class of a masked word: the first maskable entry it spells. */
static abuse_cls lex_wild(const char *w, size_t n) {
    for (size_t i = 0; i < LEX_N; i++) {
        if (!(lex[i].cls & LEX_MASKABLE) || strlen(lex[i].w) != n)
            continue;
        size_t k = 0;
        while (k < n && (w[k] == lex[i].w[k] ||
                         (w[k] == '?' && lex[i].w[k] >= 'a' &&
                          lex[i].w[k] <= 'z')))
            k++;
        if (k == n)
            return lex[i].cls & LEX_MASKABLE;
    }
    return 0;
}

abuse_cls abuse_lookup(const char *w, size_t n) {
    if (n == 0 || n > ABUSE_WORD_MAX)
        return 0;
    if (memchr(w, '?', n))
        return w[0] == '?' ? 0 : lex_wild(w, n);
    const lex_entry *e = lex_find(w, n);
    if (!e && n > 3 && w[n - 1] == 's') {
        e = lex_find(w, n - 1);
        if (!e && w[n - 2] == 'e')
            e = lex_find(w, n - 2);
    }
    return e ? e->cls : 0;
}

size_t abuse_lexicon_size(void) { return LEX_N; }
const char *abuse_lexicon_word(size_t i) { return i < LEX_N ? lex[i].w : NULL; }

/* ------------------------------------------------------------------------ */
/* The view: words, classes, breaks, quotes, masks                           */
/* ------------------------------------------------------------------------ */

/* Look-alike letter of a digit inside a word ("sh1t"), or 0. */
static char leet(char c) {
    switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '8': return 'b';
    case '9': return 'g';
    default: return 0;
    }
}

/* What a mask character inside a word stands for: '?' any letter, a
 * letter, 0 for a separator that is dropped, -1 when c is no mask. */
static int mask_char(char c) {
    switch (c) {
    case '*': case '#': case '%': return '?';
    case '@': return 'a';
    case '$': return 's';
    case '!': return 'i';
    case '.': case '-': case '_': case '+': return 0;
    default: return -1;
    }
}

/* Longest mask between two pieces of one word ("f***k" has 3). */
#define ABUSE_MASK_RUN 4

/* 1 when the gap g[0..n) between two word pieces is a mask: no space, at
 * most ABUSE_MASK_RUN mask characters; separators only between pieces of
 * one letter ("f.u.c.k", not "end.start"). */
static int is_mask_gap(const char *g, size_t n, size_t left, size_t right) {
    if (n == 0 || n > ABUSE_MASK_RUN)
        return 0;
    int letters = 0;
    for (size_t i = 0; i < n; i++) {
        int m = mask_char(g[i]);
        if (m < 0)
            return 0;
        letters += m != 0;
    }
    return letters || (left == 1 && right == 1);
}

/* Appends s[0..n) to the view's skeleton buffer; returns its start or
 * NULL when full. */
static char *skel_put(abuse_view *v, const char *s, size_t n) {
    if (v->nskel + n + 1 > sizeof v->skel)
        return NULL;
    char *p = v->skel + v->nskel;
    memcpy(p, s, n);
    p[n] = '\0';
    v->nskel += n + 1;
    return p;
}

/* Scans the gap norm[from..to) for breaks, commas and quotation marks. */
static void read_gap(const char *s, size_t from, size_t to, abuse_word *w,
                     int *quoted) {
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' || c == '!' || c == '?' || c == ';')
            w->brk = 1;
        else if (c == ',' || c == ':' || c == '(' || c == ')')
            w->comma = 1;
        else if (c == '"')
            *quoted = !*quoted;
        else if (c == 0xE2 && i + 2 < to && (unsigned char)s[i + 1] == 0x80 &&
                 ((unsigned char)s[i + 2] == 0x9C ||
                  (unsigned char)s[i + 2] == 0x9D))
            *quoted = (unsigned char)s[i + 2] == 0x9C ? 1 : !*quoted;
    }
}

static int is_word_token(const tokenize_token *t) {
    return t->type == TOKENIZE_WORD || t->type == TOKENIZE_NUMBER;
}

/* Tries to read tokens ti.. as one masked word. Returns the number of
 * tokens it spans (>= 2), or 0 when they do not spell a lexicon word; on
 * success *w is filled. */
static size_t read_masked(abuse_view *v, const tokenize_list *l, size_t ti,
                          abuse_word *w) {
    char buf[ABUSE_WORD_MAX + 1];
    size_t n = 0, k = ti, best = 0;
    abuse_cls best_cls = 0;
    size_t best_n = 0;
    char best_buf[ABUSE_WORD_MAX + 1];
    const char *s = v->norm;
    for (;;) {
        const tokenize_token *t = &l->v[k];
        const char *tx = tokenize_text(l, t);
        size_t tl = strlen(tx);
        if (n + tl > ABUSE_WORD_MAX)
            break;
        memcpy(buf + n, tx, tl);
        n += tl;
        if (k > ti) {
            abuse_cls c = abuse_lookup(buf, n);
            if (c & LEX_MASKABLE) {
                best = k - ti + 1;
                best_cls = c;
                best_n = n;
                memcpy(best_buf, buf, n);
            }
        }
        if (k + 1 >= l->n || !is_word_token(&l->v[k + 1]))
            break;
        const tokenize_token *u = &l->v[k + 1];
        size_t gb = t->off + t->len, ge = u->off;
        if (ge < gb || !is_mask_gap(s + gb, ge - gb, t->len, u->len))
            break;
        for (size_t i = gb; i < ge && n < ABUSE_WORD_MAX; i++) {
            int m = mask_char(s[i]);
            if (m > 0)
                buf[n++] = (char)m;
        }
        k++;
    }
    if (!best)
        return 0;
    const char *p = skel_put(v, best_buf, best_n);
    if (!p)
        return 0;
    const tokenize_token *last = &l->v[ti + best - 1];
    w->off = l->v[ti].off;
    w->len = last->off + last->len - w->off;
    w->text = p;
    w->cls = best_cls;
    w->masked = 1;
    return best;
}

/* Reads a word with digits among letters through leet ("sh1t"): its class
 * when the skeleton is a maskable word, else 0 (w untouched). */
static void read_leet(abuse_view *v, const char *tx, size_t tl,
                      abuse_word *w) {
    char buf[ABUSE_WORD_MAX + 1];
    int letters = 0, digits = 0;
    if (tl > ABUSE_WORD_MAX)
        return;
    for (size_t i = 0; i < tl; i++) {
        char c = tx[i];
        if (c >= 'a' && c <= 'z') {
            letters++;
            buf[i] = c;
        } else if (leet(c)) {
            digits++;
            buf[i] = leet(c);
        } else {
            return;
        }
    }
    if (!letters || !digits)
        return;
    abuse_cls c = abuse_lookup(buf, tl);
    const char *p = (c & LEX_MASKABLE) ? skel_put(v, buf, tl) : NULL;
    if (p) {
        w->text = p;
        w->cls = c;
        w->masked = 1;
    }
}

/* Fills v with the words of tokens from ti on; returns the token index
 * after the last one read. tokidx[k] is the token of word k. quoted: the
 * quotation state at ti's start. */
static size_t view_build(abuse_view *v, const tokenize_list *l, size_t ti,
                         size_t *tokidx, int quoted) {
    size_t prev_end = ti < l->n ? l->v[ti].off : 0;
    if (ti > 0 && ti <= l->n)
        prev_end = l->v[ti - 1].off + l->v[ti - 1].len;
    v->n = 0;
    v->nskel = 0;
    while (ti < l->n && v->n < ABUSE_VIEW_WORDS) {
        const tokenize_token *t = &l->v[ti];
        if (!is_word_token(t) || t->off < prev_end) {
            ti++; /* links, handles; phones come last, out of order */
            continue;
        }
        abuse_word *w = &v->w[v->n];
        memset(w, 0, sizeof *w);
        w->brk = v->n == 0;
        read_gap(v->norm, prev_end, t->off, w, &quoted);
        w->quoted = (uint8_t)quoted;
        tokidx[v->n] = ti;
        size_t span = read_masked(v, l, ti, w);
        if (!span) {
            const char *tx = tokenize_text(l, t);
            size_t tl = strlen(tx);
            w->off = t->off;
            w->len = t->len;
            w->text = tx;
            w->cls = abuse_lookup(tx, tl);
            if (!w->cls)
                read_leet(v, tx, tl, w);
            span = 1;
        }
        prev_end = w->off + w->len;
        ti += span;
        v->n++;
    }
    return ti;
}

/* Quotation state at byte off: double quotes seen before it, toggled. */
static int quoted_at(const char *s, size_t off) {
    int q = 0;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '"')
            q = !q;
    return q;
}

void abuse_scan(const detector_analysis *a, abuse_rule_fn rule,
                abuse_found *f) {
    abuse_view v;
    size_t tokidx[ABUSE_VIEW_WORDS];
    const tokenize_list *l = a->tokens;
    memset(f, 0, sizeof *f);
    v.norm = a->features->normalized;
    v.norm_len = a->features->normalized_len;
    size_t ti = 0;
    while (ti < l->n) {
        int q = ti ? quoted_at(v.norm, l->v[ti].off) : 0;
        size_t next = view_build(&v, l, ti, tokidx, q);
        if (v.n == 0)
            break;
        v.anchors = v.n;
        if (next < l->n && v.n > 2 * ABUSE_VIEW_OVERLAP) {
            v.anchors = v.n - ABUSE_VIEW_OVERLAP;
            next = tokidx[v.anchors];
        }
        for (size_t i = 0; i < v.anchors; i++)
            rule(&v, i, f);
        ti = next;
    }
}

/* ------------------------------------------------------------------------ */
/* Clause helpers                                                            */
/* ------------------------------------------------------------------------ */

abuse_cls abuse_at(const abuse_view *v, size_t i) {
    return i < v->n ? v->w[i].cls : 0;
}

int abuse_is(const abuse_view *v, size_t i, const char *w) {
    return i < v->n && strcmp(v->w[i].text, w) == 0;
}

int abuse_same_sentence(const abuse_view *v, size_t i, size_t j) {
    if (j >= v->n)
        return 0;
    for (size_t k = i + 1; k <= j; k++)
        if (v->w[k].brk)
            return 0;
    return 1;
}

size_t abuse_skip(const abuse_view *v, size_t i, abuse_cls mask, size_t max) {
    size_t k = i;
    while (k < v->n && k - i < max && (v->w[k].cls & mask) && !v->w[k].brk)
        k++;
    return k;
}

/* Words before a clause read for a verbal negator ("I don't think you're
 * an idiot", "I would never hurt you"). */
#define ABUSE_NEG_BEFORE 3

int abuse_negated(const abuse_view *v, size_t from, size_t to) {
    for (size_t k = from; k <= to && k < v->n; k++)
        if (v->w[k].cls & C_NEG)
            return 1;
    for (size_t k = from, d = 0; k > 0 && d < ABUSE_NEG_BEFORE; d++) {
        if (v->w[k].brk)
            break;
        k--;
        if ((v->w[k].cls & C_NEG) && strcmp(v->w[k].text, "no") != 0)
            return 1;
    }
    return 0;
}

/* Words before a hit read for a verb of reporting in its sentence. */
#define ABUSE_REPORT_BEFORE 10

int abuse_reported(const abuse_view *v, size_t i) {
    if (i >= v->n)
        return 0;
    if (v->w[i].quoted)
        return 1;
    for (size_t k = i, d = 0; k > 0 && d < ABUSE_REPORT_BEFORE; d++) {
        if (v->w[k].brk)
            break;
        k--;
        if (v->w[k].cls & C_REPORT)
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Hits -> signal                                                            */
/* ------------------------------------------------------------------------ */

void abuse_hit(const abuse_view *v, size_t from, size_t to, double signal,
               const char *shape, abuse_found *f) {
    if (to >= v->n)
        to = v->n - 1;
    int rep = abuse_reported(v, from);
    if (rep)
        signal *= ABUSE_REPORTED_FACTOR;
    uint32_t b = v->w[from].off, e = v->w[to].off + v->w[to].len;
    int overlap = f->hits && b < f->last_e;
    if (!overlap)
        f->hits++;
    if (e > f->last_e)
        f->last_e = e;
    if (signal > f->best) {
        f->best = signal;
        f->b = b;
        f->e = e;
        f->shape = shape;
        f->discounted = rep;
    }
}

void abuse_emit(const detector_analysis *a, const abuse_found *f, double cap,
                const char *what, score_signal *out) {
    if (!f->hits || f->best <= 0)
        return;
    double s = f->best + ABUSE_MORE_HITS * (double)(f->hits - 1);
    out->signal = s > cap ? cap : s;
    const char *norm = a->features->normalized;
    int n = (int)(f->e - f->b);
    if (n > ENGINE_EVIDENCE_LEN - 1)
        n = ENGINE_EVIDENCE_LEN - 1;
    snprintf(out->evidence, sizeof out->evidence, "%.*s", n, norm + f->b);
    snprintf(out->detail, sizeof out->detail, "%s (%s)%s%s: \"%.*s\"", what,
             f->shape ? f->shape : "", f->discounted ? ", reported or quoted" : "",
             f->hits > 1 ? ", more than once" : "", n > 200 ? 200 : n,
             norm + f->b);
}
