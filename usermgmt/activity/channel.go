package activity

// Channel is where an interaction or a reservation came from.
type Channel string

// The channels. Reservations use App, Bot, Web, BackOffice and Other;
// events use App, Bot, Web, BackOffice, System and Webhook.
const (
	// ChannelApp: the mobile app.
	ChannelApp Channel = "app"
	// ChannelBot: a messaging bot (WhatsApp, Messenger, …); the kind of
	// bot is recorded beside it.
	ChannelBot Channel = "bot"
	// ChannelWeb: the website.
	ChannelWeb Channel = "web"
	// ChannelBackOffice: an operator acted in the back office.
	ChannelBackOffice Channel = "back_office"
	// ChannelSystem: the platform itself (a job, an automatic rule).
	ChannelSystem Channel = "system"
	// ChannelWebhook: a third party's webhook (a booking provider, a PSP).
	ChannelWebhook Channel = "webhook"
	// ChannelOther: any other way a reservation was made (phone, walk-in).
	ChannelOther Channel = "other"
)

// ReservationChannels lists the channels a reservation may come from.
func ReservationChannels() []Channel {
	return []Channel{ChannelApp, ChannelBot, ChannelWeb, ChannelBackOffice, ChannelOther}
}

// EventChannels lists the channels an event may come from.
func EventChannels() []Channel {
	return []Channel{ChannelApp, ChannelBot, ChannelWeb, ChannelBackOffice, ChannelSystem, ChannelWebhook}
}

// AppOrBot are the channels of the user page's default reservations card.
func AppOrBot() []Channel { return []Channel{ChannelApp, ChannelBot} }

func channelIn(c Channel, set []Channel) bool {
	for _, x := range set {
		if x == c {
			return true
		}
	}
	return false
}
