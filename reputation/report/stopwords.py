"""Words that carry no theme of their own, per language; the key phrases of negative reviews split at them."""

RUSSIAN = frozenset("""
а без более бы был была были было быть в вам вас весь во вот все всего всё всех вы где да даже для до его ее её
если есть еще ещё же за здесь и из или им их к как какой когда кто ли либо мне мной мы на над нам нас не него нее
неё нет ни них но ну о об однако он она они оно от очень по под после при про раз с сам свой себя со так также
такой там те тем то того тоже той только том ту ты у уже хотя чего чей чем что чтобы эта эти это этого этой этом
эту я опять снова просто вообще всегда никогда сегодня вчера потом тут ни всё-таки который которая которые
можно нужно было будет будут бывает могу может раза мой моя мои наш наша наши ваш ваша
""".split())

ENGLISH = frozenset("""
a about after again all also am an and any are as at be been before being but by can could did do does doing
don't down during each even ever for from further had has have having he her here hers him his how i i'm if in
into is it it's its just me more most my never no nor not now of off on once only or other our out over own
really same she should so some still such than that the their them then there these they this those through
to too under until up very was we were what when where which while who why will with would you your yours
again ago got get one two us
""".split())

FINNISH = frozenset("""
ei eikä en et ette emme he hän ja jo joka jos jossa jota kanssa kaikki kuin kun koska mikä minä me mitä mutta
myös niin no nyt ole olen oli olivat olla olimme olin olisi on ovat se sen sitä siellä silti sinä te tai taas
tämä tässä tuo vaan vai vielä voi yli ihan aina sitten sekä vain jopa kyllä kuitenkin enää täällä mitään
""".split())

STOP_WORDS = {"ru": RUSSIAN, "en": ENGLISH, "fi": FINNISH}
