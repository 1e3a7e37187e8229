package verification

import "strconv"

// html wraps a message body in the minimal HTML document every built-in
// email uses.
func html(lang, body string) string {
	return `<!DOCTYPE html><html lang="` + lang + `"><head><meta charset="utf-8"><title>{{.Platform}}</title></head>` +
		`<body style="font-family:sans-serif;line-height:1.5">` + body + `<p>— {{.Platform}}</p></body></html>`
}

// builtinTemplates are the messages in English (the fallback of every
// language) and French.
var builtinTemplates = map[string]map[MessageKind]Template{
	"en": {
		KindEmailVerification: {
			Subject: "Confirm your email address",
			Text:    "Hello {{.Name}},\n\nPlease confirm your email address by opening this link:\n\n{{.Link}}\n\nThe link is valid for {{.Valid}}. If you did not create an account on {{.Platform}}, ignore this email.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello {{.Name}},</p><p>Please confirm your email address:</p><p><a href="{{.Link}}">Confirm my address</a></p><p>The link is valid for {{.Valid}}. If you did not create an account on {{.Platform}}, ignore this email.</p>`),
		},
		KindEmailChange: {
			Subject: "Confirm your new email address",
			Text:    "Hello {{.Name}},\n\nYou asked to use {{.Address}} for your {{.Platform}} account. Confirm it by opening this link:\n\n{{.Link}}\n\nThe link is valid for {{.Valid}}. Until you confirm, your account keeps its current address. If you did not ask for this, ignore this email.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello {{.Name}},</p><p>You asked to use {{.Address}} for your {{.Platform}} account.</p><p><a href="{{.Link}}">Confirm my new address</a></p><p>The link is valid for {{.Valid}}. Until you confirm, your account keeps its current address. If you did not ask for this, ignore this email.</p>`),
		},
		KindEmailChanged: {
			Subject: "Your email address was changed",
			Text:    "Hello {{.Name}},\n\nThe email address of your {{.Platform}} account is now {{.Address}}. This address will receive no more messages about the account.\n\nIf you did not make this change, contact us at once.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello {{.Name}},</p><p>The email address of your {{.Platform}} account is now {{.Address}}. This address will receive no more messages about the account.</p><p>If you did not make this change, contact us at once.</p>`),
		},
		KindRegistrationAttempt: {
			Subject: "Someone tried to sign up with your address",
			Text:    "Hello {{.Name}},\n\nSomeone tried to create a {{.Platform}} account with this email address, which already has an account. If it was you, log in instead, or reset your password if you forgot it. Otherwise ignore this email: nothing changed.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello {{.Name}},</p><p>Someone tried to create a {{.Platform}} account with this email address, which already has an account. If it was you, log in instead, or reset your password if you forgot it. Otherwise ignore this email: nothing changed.</p>`),
		},
		KindEmailChangeAttempt: {
			Subject: "Someone tried to use your address",
			Text:    "Hello {{.Name}},\n\nSomeone asked to move another {{.Platform}} account to this email address, which already has an account. Nothing changed. If it was you, use another address.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello {{.Name}},</p><p>Someone asked to move another {{.Platform}} account to this email address, which already has an account. Nothing changed. If it was you, use another address.</p>`),
		},
		KindPasswordReset: {
			Subject: "Reset your password",
			Text:    "Hello {{.Name}},\n\nTo choose a new password for your {{.Platform}} account, open this link:\n\n{{.Link}}\n\nThe link works once and for {{.Valid}}. If you did not ask for it, ignore this email: your password stays as it is.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello {{.Name}},</p><p>To choose a new password for your {{.Platform}} account:</p><p><a href="{{.Link}}">Reset my password</a></p><p>The link works once and for {{.Valid}}. If you did not ask for it, ignore this email: your password stays as it is.</p>`),
		},
		KindPasswordChanged: {
			Subject: "Your password was changed",
			Text:    "Hello {{.Name}},\n\nThe password of your {{.Platform}} account was just reset, and every device was logged out.\n\nIf you did not do this, reset your password again at once and contact us.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello {{.Name}},</p><p>The password of your {{.Platform}} account was just reset, and every device was logged out.</p><p>If you did not do this, reset your password again at once and contact us.</p>`),
		},
		KindNoAccount: {
			Subject: "Your request to {{.Platform}}",
			Text:    "Hello,\n\nSomeone (perhaps you) asked {{.Platform}} for a link for this email address, but no account uses it. If it was you, you may have signed up with another address. Otherwise ignore this email.\n\n— {{.Platform}}\n",
			HTML:    html("en", `<p>Hello,</p><p>Someone (perhaps you) asked {{.Platform}} for a link for this email address, but no account uses it. If it was you, you may have signed up with another address. Otherwise ignore this email.</p>`),
		},
		KindPhoneCode: {
			Text: "{{.Code}} is your {{.Platform}} verification code. It is valid for {{.Valid}}. Never share it.",
		},
	},
	"fr": {
		KindEmailVerification: {
			Subject: "Confirmez votre adresse e-mail",
			Text:    "Bonjour {{.Name}},\n\nConfirmez votre adresse e-mail en ouvrant ce lien :\n\n{{.Link}}\n\nLe lien est valable {{.Valid}}. Si vous n'avez pas créé de compte sur {{.Platform}}, ignorez cet e-mail.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour {{.Name}},</p><p>Confirmez votre adresse e-mail :</p><p><a href="{{.Link}}">Confirmer mon adresse</a></p><p>Le lien est valable {{.Valid}}. Si vous n'avez pas créé de compte sur {{.Platform}}, ignorez cet e-mail.</p>`),
		},
		KindEmailChange: {
			Subject: "Confirmez votre nouvelle adresse e-mail",
			Text:    "Bonjour {{.Name}},\n\nVous avez demandé à utiliser {{.Address}} pour votre compte {{.Platform}}. Confirmez-la en ouvrant ce lien :\n\n{{.Link}}\n\nLe lien est valable {{.Valid}}. Tant que vous n'avez pas confirmé, votre compte garde son adresse actuelle. Si vous n'avez rien demandé, ignorez cet e-mail.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour {{.Name}},</p><p>Vous avez demandé à utiliser {{.Address}} pour votre compte {{.Platform}}.</p><p><a href="{{.Link}}">Confirmer ma nouvelle adresse</a></p><p>Le lien est valable {{.Valid}}. Tant que vous n'avez pas confirmé, votre compte garde son adresse actuelle. Si vous n'avez rien demandé, ignorez cet e-mail.</p>`),
		},
		KindEmailChanged: {
			Subject: "Votre adresse e-mail a changé",
			Text:    "Bonjour {{.Name}},\n\nL'adresse e-mail de votre compte {{.Platform}} est désormais {{.Address}}. Cette adresse-ci ne recevra plus de messages concernant le compte.\n\nSi vous n'êtes pas à l'origine de ce changement, contactez-nous immédiatement.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour {{.Name}},</p><p>L'adresse e-mail de votre compte {{.Platform}} est désormais {{.Address}}. Cette adresse-ci ne recevra plus de messages concernant le compte.</p><p>Si vous n'êtes pas à l'origine de ce changement, contactez-nous immédiatement.</p>`),
		},
		KindRegistrationAttempt: {
			Subject: "Quelqu'un a tenté de s'inscrire avec votre adresse",
			Text:    "Bonjour {{.Name}},\n\nQuelqu'un a tenté de créer un compte {{.Platform}} avec cette adresse e-mail, qui a déjà un compte. Si c'était vous, connectez-vous, ou réinitialisez votre mot de passe si vous l'avez oublié. Sinon, ignorez cet e-mail : rien n'a changé.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour {{.Name}},</p><p>Quelqu'un a tenté de créer un compte {{.Platform}} avec cette adresse e-mail, qui a déjà un compte. Si c'était vous, connectez-vous, ou réinitialisez votre mot de passe si vous l'avez oublié. Sinon, ignorez cet e-mail : rien n'a changé.</p>`),
		},
		KindEmailChangeAttempt: {
			Subject: "Quelqu'un a tenté d'utiliser votre adresse",
			Text:    "Bonjour {{.Name}},\n\nQuelqu'un a demandé à rattacher un autre compte {{.Platform}} à cette adresse e-mail, qui a déjà un compte. Rien n'a changé. Si c'était vous, choisissez une autre adresse.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour {{.Name}},</p><p>Quelqu'un a demandé à rattacher un autre compte {{.Platform}} à cette adresse e-mail, qui a déjà un compte. Rien n'a changé. Si c'était vous, choisissez une autre adresse.</p>`),
		},
		KindPasswordReset: {
			Subject: "Réinitialisez votre mot de passe",
			Text:    "Bonjour {{.Name}},\n\nPour choisir un nouveau mot de passe pour votre compte {{.Platform}}, ouvrez ce lien :\n\n{{.Link}}\n\nLe lien ne sert qu'une fois et reste valable {{.Valid}}. Si vous n'avez rien demandé, ignorez cet e-mail : votre mot de passe ne change pas.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour {{.Name}},</p><p>Pour choisir un nouveau mot de passe pour votre compte {{.Platform}} :</p><p><a href="{{.Link}}">Réinitialiser mon mot de passe</a></p><p>Le lien ne sert qu'une fois et reste valable {{.Valid}}. Si vous n'avez rien demandé, ignorez cet e-mail : votre mot de passe ne change pas.</p>`),
		},
		KindPasswordChanged: {
			Subject: "Votre mot de passe a été changé",
			Text:    "Bonjour {{.Name}},\n\nLe mot de passe de votre compte {{.Platform}} vient d'être réinitialisé, et tous vos appareils ont été déconnectés.\n\nSi vous n'êtes pas à l'origine de ce changement, réinitialisez-le à nouveau immédiatement et contactez-nous.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour {{.Name}},</p><p>Le mot de passe de votre compte {{.Platform}} vient d'être réinitialisé, et tous vos appareils ont été déconnectés.</p><p>Si vous n'êtes pas à l'origine de ce changement, réinitialisez-le à nouveau immédiatement et contactez-nous.</p>`),
		},
		KindNoAccount: {
			Subject: "Votre demande à {{.Platform}}",
			Text:    "Bonjour,\n\nQuelqu'un (peut-être vous) a demandé à {{.Platform}} un lien pour cette adresse e-mail, mais aucun compte ne l'utilise. Si c'était vous, vous vous êtes peut-être inscrit avec une autre adresse. Sinon, ignorez cet e-mail.\n\n— {{.Platform}}\n",
			HTML:    html("fr", `<p>Bonjour,</p><p>Quelqu'un (peut-être vous) a demandé à {{.Platform}} un lien pour cette adresse e-mail, mais aucun compte ne l'utilise. Si c'était vous, vous vous êtes peut-être inscrit avec une autre adresse. Sinon, ignorez cet e-mail.</p>`),
		},
		KindPhoneCode: {
			Text: "{{.Code}} est votre code de vérification {{.Platform}}. Il est valable {{.Valid}}. Ne le communiquez à personne.",
		},
	},
}

// validFor writes a lifetime out in the message's language.
func validFor(lang string, minutes int) string {
	fr := lang == "fr"
	switch {
	case minutes%60 == 0 && minutes >= 60:
		h := minutes / 60
		if fr {
			return plural(h, "heure", "heures")
		}
		return plural(h, "hour", "hours")
	case fr:
		return plural(minutes, "minute", "minutes")
	default:
		return plural(minutes, "minute", "minutes")
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
